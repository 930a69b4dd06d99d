"""Operating it: doctor and the setup of Zammad and GitLab."""

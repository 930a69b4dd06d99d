"""HTTP emulators of Zammad and GitLab for tests, benchmarks and the demo."""

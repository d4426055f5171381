"""Policy profiles: TOML files in this folder, one per profile, loaded and validated by `profiles`."""

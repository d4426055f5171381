"""Shipped policy profiles (TOML data, one file per profile); loaded by jingfang.followups.policy."""

"""Operations: backup and restore, health checks, the read-replica router."""

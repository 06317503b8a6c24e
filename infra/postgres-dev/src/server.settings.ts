/**
 * The local runtime's server: small and durable (fsync stays on: a crash of the machine must not lose a
 * committed order). Sized for a laptop shared with a dozen Node processes.
 */
export const LOCAL_SERVER_SETTINGS: Readonly<Record<string, string | number>> = {
  max_connections: 200,
  shared_buffers: '32MB',
  log_min_messages: 'warning',
  log_checkpoints: 'off',
  // Commit times survive replication and failover: what the failover test measures writes-resume from.
  track_commit_timestamp: 'on',
};

/** Throwaway test clusters: no durability (fsync off), everything else as in production. */
export const TEST_SERVER_SETTINGS: Readonly<Record<string, string | number>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: 100,
  shared_buffers: '16MB',
  log_min_messages: 'warning',
};

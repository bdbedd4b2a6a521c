-- The last run of each periodic job, so that with several replicas a job runs once per tick.
CREATE TABLE job_runs (
    name        text PRIMARY KEY,
    last_run_at timestamptz NOT NULL
);

-- Creates the jobs and rows tables: one row per submitted job with its spec, status, per-stage row
-- counts and timings, and one row per input row with its pipeline stage, admission and results.

-- Up Migration

create table jobs (
  id uuid primary key,
  name text,
  status text not null default 'PENDING'
    check (status in ('PENDING', 'RUNNING', 'CANCELLED', 'COMPLETED')),
  priority smallint not null check (priority between 1 and 10),
  -- The JobSpec written to the `jobs` KV bucket, without its status (the status column is the truth).
  spec jsonb not null,
  -- Input column names in input order; rows.input holds the cells in this order.
  input_columns text[] not null,
  source_format text not null check (source_format in ('csv', 'json')),
  row_limit integer,
  row_count integer not null,
  -- Rows per stage, e.g. {"PENDING": 10, "COMPLETED": 5}; kept by the rows_count_stages triggers.
  counts jsonb not null default '{}',
  -- Provider calls reported by the stages, as "<provider>.calls|cached|errors" -> count.
  usage jsonb not null default '{}',
  -- Placeholder until stages report prices; null means not computed.
  cost_usd numeric(14, 6),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);

create index jobs_created on jobs (created_at desc, id);
create index jobs_active on jobs (priority, created_at) where status in ('PENDING', 'RUNNING');

create table rows (
  job_id uuid not null references jobs (id) on delete cascade,
  row_index integer not null check (row_index >= 0),
  -- Key column values as a JSON array of strings, in the job's key column order.
  key jsonb not null,
  -- All input cells as a JSON array of strings, in jobs.input_columns order.
  input jsonb not null,
  stage text not null default 'PENDING'
    check (stage in ('PENDING', 'SERP_FETCHED', 'DECISION_MADE', 'CRAWLED', 'ENRICHED', 'COMPLETED', 'FAILED', 'CANCELLED')),
  -- How many times the row has been admitted (from 1); events of an earlier admission are ignored.
  admission integer not null default 1,
  -- When the current admission was published to pipeline.serp; null while the row waits for admission.
  admitted_at timestamptz,
  -- Columns this row has to fill, as a JSON array: every enrich column, and impute columns whose input cell is empty.
  wanted jsonb not null,
  -- Column -> Cell (value, outcome, confidence, reason, sources, evidence).
  cells jsonb not null default '{}',
  -- Column -> typed value, the `value` of each cell.
  "values" jsonb not null default '{}',
  -- Highest delivery attempt reported for the current admission.
  attempts integer not null default 0,
  error text,
  -- Stage -> time the stage was reached (ISO 8601), from the events.
  stage_times jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  finished_at timestamptz,
  primary key (job_id, row_index)
);

-- Admission reads the next waiting rows of a job in input order.
create index rows_waiting on rows (job_id, row_index) where admitted_at is null and stage = 'PENDING';
-- Admission counts each job's rows in flight.
create index rows_in_flight on rows (job_id)
  where admitted_at is not null and stage not in ('COMPLETED', 'FAILED', 'CANCELLED');
-- GET /v1/jobs/:id/rows?stage=
create index rows_job_stage on rows (job_id, stage, row_index);

-- Down Migration

drop table rows;
drop table jobs;

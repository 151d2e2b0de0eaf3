-- Keeps jobs.counts (rows per stage) current with statement-level triggers on rows, so every
-- statement that inserts rows or changes their stage updates each touched job once.

-- Up Migration

-- Adds the counts of `delta` to `base`, dropping stages whose count becomes zero.
create function jsonb_add_counts(base jsonb, delta jsonb) returns jsonb
language sql immutable as $$
  select coalesce(jsonb_object_agg(key, total) filter (where total <> 0), '{}'::jsonb)
  from (
    select key, sum(value::bigint) as total
    from (
      select key, value from jsonb_each_text(base)
      union all
      select key, value from jsonb_each_text(delta)
    ) as counted
    group by key
  ) as summed
$$;

create function rows_count_inserted() returns trigger
language plpgsql as $$
begin
  update jobs
  set counts = jsonb_add_counts(jobs.counts, added.delta)
  from (
    select job_id, jsonb_object_agg(stage, n) as delta
    from (select job_id, stage, count(*) as n from new_rows group by job_id, stage) as per_stage
    group by job_id
  ) as added
  where jobs.id = added.job_id;
  return null;
end
$$;

create function rows_count_updated() returns trigger
language plpgsql as $$
begin
  update jobs
  set counts = jsonb_add_counts(jobs.counts, changed.delta), updated_at = now()
  from (
    select job_id, jsonb_object_agg(stage, n) as delta
    from (
      select job_id, stage, sum(n) as n
      from (
        select job_id, stage, -1 as n from old_rows
        union all
        select job_id, stage, 1 as n from new_rows
      ) as moves
      group by job_id, stage
      having sum(n) <> 0
    ) as per_stage
    group by job_id
  ) as changed
  where jobs.id = changed.job_id;
  return null;
end
$$;

create trigger rows_count_inserted after insert on rows
  referencing new table as new_rows
  for each statement execute function rows_count_inserted();

create trigger rows_count_updated after update on rows
  referencing old table as old_rows new table as new_rows
  for each statement execute function rows_count_updated();

-- Down Migration

drop trigger rows_count_updated on rows;
drop trigger rows_count_inserted on rows;
drop function rows_count_updated();
drop function rows_count_inserted();
drop function jsonb_add_counts(jsonb, jsonb);

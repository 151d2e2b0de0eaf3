-- Adds two columns to rows. history holds the row's search-and-extract rounds as the extract
-- stage reports them: a JSON array of {round, provider, queries, urls, confidence, at}, null until
-- a stage reports one and for rows finished before this migration. usage_events records which
-- events of the current admission have had their provider usage added to jobs.usage, as
-- "<round>:<stage>" keys, so each event is counted once, also the refinement rounds' events that
-- the stage rule ignores. Token counters need no schema change, because jobs.usage stores any
-- "<provider>.<counter>" key (such as "llm.prompt_tokens").

-- Up Migration

alter table rows add column history jsonb;
alter table rows add column usage_events jsonb not null default '{}';

-- Down Migration

alter table rows drop column usage_events;
alter table rows drop column history;

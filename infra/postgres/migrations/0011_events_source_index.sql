-- events_source_idx (source) is the leading column of events_source_time_idx (source, event_time, event_id, from
-- 0009): every read by source can use the wider one, so the narrow one only cost each event row one more index
-- entry to write.
DROP INDEX IF EXISTS events_source_idx;

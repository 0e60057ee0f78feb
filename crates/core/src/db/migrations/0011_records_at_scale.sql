-- What 100,000 patients showed (scripts/bench-records.sh): addenda were
-- found by their visit with a full scan of note_addenda, both when a chart
-- is opened and each time the search index rebuilds a patient's entry
-- (patient_search_source joins addenda through their visit), which made
-- writing notes slower the more addenda the whole clinic had.
CREATE INDEX note_addenda_by_visit ON note_addenda (visit_id, id);

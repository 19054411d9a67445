-- 006: the codebook's label of each frame in English and Spanish, rebuilt with the aggregates after each
-- run from nlp/frames.toml (espejo.flows.runs), so the dashboard names frames from the snapshot it reads
-- and never opens the codebook itself.
CREATE TABLE frame_labels (
    frame           VARCHAR PRIMARY KEY,
    label_en        VARCHAR NOT NULL,
    label_es        VARCHAR NOT NULL
);

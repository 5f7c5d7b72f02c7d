-- +goose Up
-- Every start looks for steps stored before their texts were sealed
-- (Store.SealStepTexts); after the first, there are none, and without
-- this index each start would read every step of the installation to
-- find out. The index holds only the steps still to seal.
CREATE INDEX recording_steps_unsealed ON recording_steps (recording_id) WHERE texts IS NULL;

-- +goose Down
DROP INDEX recording_steps_unsealed;

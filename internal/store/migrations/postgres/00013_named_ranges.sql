-- +goose Up
-- Named client address ranges ("office", "vpn") that conditional access
-- policies refer to by name; the ranges are a JSON list of CIDRs.
CREATE TABLE named_ranges (
    name TEXT PRIMARY KEY,
    ranges TEXT NOT NULL
);

-- +goose Down
DROP TABLE named_ranges;

// Package recording owns the recording bundle: a zip with recording.json
// (format "procmine-recording", version 1, described by schema.json and
// docs/recording-format.md) and the screenshots its steps refer to.
//
// Read takes a bundle apart without trusting it: every entry name is
// checked before anything is read (no absolute paths, no "..", nothing
// outside screenshots/), bytes are counted as they are inflated rather
// than taken from the zip's headers, each entry and the whole bundle have
// a ceiling, image dimensions are read from the image's header and capped
// before any pixel is decoded, and recording.json is checked against the
// JSON Schema and then for what a schema cannot say (times in order,
// every screenshot referred to exactly once). Errors name the file, the
// field and the reason.
//
// Write packs a Recording and its screenshots back into a bundle.
// What is done to a recording's personal data is package privacy's
// business; how it is stored is package store's.
package recording

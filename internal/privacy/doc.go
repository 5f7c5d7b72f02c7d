// Package privacy applies an environment's privacy policy: for each kind
// of personal data package pii finds, whether to flag it (keep it and
// show where it is), mask it, redact it or pseudonymise it with a keyed
// HMAC-SHA256, so that the same value gives the same token within an
// environment and joins still work, while nothing outside it can reverse
// or match the token.
//
// It also cleans a recording step before it is stored: the policy on every
// text of the step, a password field's input always removed, and the
// screen regions of password fields and of elements whose texts held
// personal data blacked out in the screenshot, which is decoded and
// encoded again so that no metadata the capturing tool wrote survives.
package privacy

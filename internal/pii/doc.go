// Package pii finds personal data in short texts: step names, window
// titles, input data, event-log resources and attributes.
//
// A Scanner looks for e-mail addresses, phone numbers, payment cards
// (Luhn-checked), IBANs (mod-97-checked), US social security numbers,
// IPv4 and IPv6 addresses, secrets (API keys with known prefixes, bearer
// tokens, JWTs, values after password-like labels) and names from a
// configurable list. It is one pass over the bytes with no regular
// expressions, so that it keeps up with imports (see BENCHMARKS.md).
//
// Findings are byte ranges into the text. What to do with them — flag,
// mask, redact or pseudonymise — is the privacy policy's business, not
// this package's.
package pii

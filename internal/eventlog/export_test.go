package eventlog

// MarshalVersion1 is marshalVersion1 for the package's external tests.
var MarshalVersion1 = marshalVersion1

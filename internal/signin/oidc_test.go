package signin

import "testing"

func TestAMR(t *testing.T) {
	for _, tc := range []struct {
		amr  any
		want bool
	}{{[]any{"pwd"}, false}, {[]any{"pwd", "otp"}, true}, {[]any{"mfa"}, true}, {nil, false}, {"mfa", false}} {
		if got := amrIsMFA(tc.amr, nil); got != tc.want {
			t.Errorf("%v: %v", tc.amr, got)
		}
	}
	if !amrIsMFA([]any{"face"}, []string{"face"}) {
		t.Error("configured methods")
	}
	cfg := &OIDCConfig{MFAACR: []string{"urn:example:mfa"}}
	for _, tc := range []struct {
		claims map[string]any
		want   bool
	}{
		{map[string]any{"acr": "urn:example:mfa"}, true},
		{map[string]any{"acr": "urn:example:pwd"}, false},
		{map[string]any{"acr": "", "amr": []any{"otp"}}, true},
		{map[string]any{}, false},
	} {
		if got := providerMFA(tc.claims, cfg); got != tc.want {
			t.Errorf("%v: %v", tc.claims, got)
		}
	}
}

package protocol_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/feedserver/feedserver/protocol/protocoltest"
)

// A browser on another site cannot push even with a valid key; NuGet.exe,
// which sends no Origin, can.
func TestCrossOriginPushRefused(t *testing.T) {
	env := protocoltest.New(t)
	body := protocoltest.Nupkg(t, "Cross.Origin", "1.0.0")
	tests := []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"browser on another site", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"command-line client", nil, http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPut, env.URL+"/api/v2/package", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-NuGet-ApiKey", env.AdminKey)
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status = %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
}

package main

import (
	"strings"
	"testing"
)

func TestMemoryBudget(t *testing.T) {
	tests := []struct {
		value   string
		want    budget
		wantErr string
	}{
		{value: "", want: budget{limit: 96 << 20, versions: 9 << 20, documents: 15 << 20}}, // the default
		{value: "256MiB", want: budget{limit: 256 << 20, versions: 24 << 20, documents: 40 << 20}},
		{value: "32MiB", want: budget{limit: 32 << 20, versions: 3 << 20, documents: 5 << 20}},
		{value: "31MiB", wantErr: "under the 32 MiB"},
		{value: "lots", wantErr: "memory: "},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			cfg, _, err := loadConfig("feedserver", nil, envOf(map[string]string{"FEEDSERVER_MEMORY": tc.value}), &strings.Builder{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Memory != tc.want {
				t.Errorf("budget = %+v, want %+v", cfg.Memory, tc.want)
			}
		})
	}
}

package main

import (
	"runtime"
	"testing"
)

func TestServeProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	noEnv := envOf(nil)

	tests := []struct {
		name   string
		before int // GOMAXPROCS when serveProcs is called
		getenv func(string) string
		want   int
	}{
		{"twice the default", def, noEnv, serveProcsPerCPU * def},
		{"called again, still from the default", serveProcsPerCPU * def, noEnv, serveProcsPerCPU * def},
		{"GOMAXPROCS in the environment wins", 3, envOf(map[string]string{"GOMAXPROCS": "3"}), 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			runtime.GOMAXPROCS(tc.before)
			if got := serveProcs(tc.getenv); got != tc.want {
				t.Errorf("serveProcs = %d, want %d", got, tc.want)
			}
			if got := runtime.GOMAXPROCS(0); got != tc.want {
				t.Errorf("GOMAXPROCS is %d, want %d", got, tc.want)
			}
		})
	}
}

package main

import "testing"

func TestServeProcs(t *testing.T) {
	for _, tc := range []struct{ cpus, want int }{{1, 2}, {2, 3}, {3, 5}, {4, 6}, {16, 24}} {
		if got := serveProcs(tc.cpus); got != tc.want {
			t.Errorf("serveProcs(%d) = %d, want %d", tc.cpus, got, tc.want)
		}
	}
}

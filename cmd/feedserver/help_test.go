package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
)

// TestHelp checks that -h is an answer, not an error: exit status 0 after
// the sub-commands and the flags are printed.
func TestHelp(t *testing.T) {
	tests := []struct {
		args []string
		want []string // in what is printed
	}{
		{[]string{"-h"}, []string{"feedserver apikey create", "feedserver owner list", "-data string", "$FEEDSERVER_DATA"}},
		{[]string{"--help"}, []string{"feedserver reindex", "-listen string"}},
		{[]string{"reindex", "-h"}, []string{"feedserver reindex", "-data string"}},
		{[]string{"apikey", "create", "-h"}, []string{"-role"}},
		{[]string{"space", "create", "-h"}, []string{"-name"}},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(t.Context(), tc.args, envOf(map[string]string{"FEEDSERVER_DATA": t.TempDir()}), &stdout, &stderr)
			if !errors.Is(err, flag.ErrHelp) || exitCode(err) != 0 {
				t.Fatalf("run %v: error %v, exit status %d; want flag.ErrHelp and 0", tc.args, err, exitCode(err))
			}
			out := stdout.String() + stderr.String()
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the usage lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{flag.ErrHelp, 0},
		{fmt.Errorf("apikey create: %w", flag.ErrHelp), 0},
		{errors.New("unknown command"), 1},
	}
	for _, tc := range tests {
		if got := exitCode(tc.err); got != tc.want {
			t.Errorf("exitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

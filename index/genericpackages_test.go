package index

import (
	"context"
	"testing"
	"time"
)

func TestGenericPackages(t *testing.T) {
	ctx := context.Background()
	c := openTestCatalog(t)
	at := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, f := range []GenericFile{
		{Owner: "alice", Name: "Tool", Version: "1.0", FileName: "a.bin", Size: 10},
		{Owner: "alice", Name: "tool", Version: "1.0", FileName: "b.bin", Size: 5},
		{Owner: "alice", Name: "Tool", Version: "2.0", FileName: "a.bin", Size: 7},
		{Owner: "bob", Name: "100%_done", Version: "1", FileName: "x", Size: 1},
		{Owner: "bob", Name: "other", Version: "1", FileName: "x", Size: 1},
	} {
		f.SHA256 = "00"
		f.Created = at.Add(time.Duration(i) * time.Minute)
		f.RefKey = f.Owner + "/" + f.Name + "/" + f.Version + "/" + f.FileName
		if err := c.PutGenericFile(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, owner, text string
		skip, take        int
		want              []string // owner/name@latest
		wantTotal         int
	}{
		{name: "all", take: 10, want: []string{"bob/other@1", "bob/100%_done@1", "alice/Tool@2.0"}, wantTotal: 3},
		{name: "owner", owner: "alice", take: 10, want: []string{"alice/Tool@2.0"}, wantTotal: 1},
		{name: "text any case", text: "TOO", take: 10, want: []string{"alice/Tool@2.0"}, wantTotal: 1},
		{name: "like wildcards are literal", text: "%_", take: 10, want: []string{"bob/100%_done@1"}, wantTotal: 1},
		{name: "page", skip: 1, take: 1, want: []string{"bob/100%_done@1"}, wantTotal: 3},
		{name: "past the end", skip: 5, take: 1, want: nil, wantTotal: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, total, err := c.GenericPackages(ctx, tt.owner, tt.text, tt.skip, tt.take)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Owner+"/"+p.Name+"@"+p.LatestVersion)
			}
			if total != tt.wantTotal || len(got) != len(tt.want) {
				t.Fatalf("got %v (total %d), want %v (total %d)", got, total, tt.want, tt.wantTotal)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
	ps, _, _ := c.GenericPackages(ctx, "alice", "", 0, 10)
	if p := ps[0]; p.Versions != 2 || p.Files != 3 || p.Size != 22 {
		t.Errorf("alice/Tool: got %d versions, %d files, %d bytes; want 2, 3, 22", p.Versions, p.Files, p.Size)
	}
}

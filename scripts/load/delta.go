package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/feedserver/feedserver/protocol/octopus/octodiff"
)

// The delta rows' shape, from issue 5's goal: a 100 MiB package of which one
// MiB changed, uploaded whole and as an Octodiff delta against the old one.
const (
	deltaID      = "Bench.Delta"
	deltaSize    = 100 << 20
	deltaChanged = 1 << 20
	deltaAt      = 40 << 20
	deltaRuns    = 3 // per kind and link, alternating full and delta; 8.4 s per paced full upload
	pacedRate    = 12.5e6
	deltaSpace   = "/api/Spaces-1"
)

// octopusDelta measures issue 5's goal — a delta upload of a 100 MiB package
// differing in 1 MiB takes under a quarter of the full upload's time on
// loopback — the way Octopus.Client does it: fetch the base's signature,
// build the delta, post it. Signature and delta are made once, untimed; only
// the uploads are timed. The same comparison runs again with the client
// pacing its body to 100 Mbit/s, where a real network, not the server, is the
// bottleneck (informational, no goal).
func octopusDelta(ctx context.Context, b *bench) ([]row, error) {
	if code := b.status(ctx, http.MethodPost, deltaSpace+"/packages/raw"); code == http.StatusNotFound || code == http.StatusMethodNotAllowed {
		return nil, skipError{fmt.Sprintf("POST %s/packages/raw answers %d", deltaSpace, code)}
	}
	basePath := filepath.Join(b.tmp, "delta-base.zip")
	newPath := filepath.Join(b.tmp, "delta-new.zip")
	deltaPath := filepath.Join(b.tmp, "delta.octodelta")
	defer func() {
		for _, p := range []string{basePath, newPath, deltaPath} {
			os.Remove(p)
		}
	}()
	if err := writeDeltaPair(basePath, newPath, deltaSize, deltaAt, deltaChanged); err != nil {
		return nil, err
	}

	// The server identifies a non-.nupkg archive by its file name alone, so
	// random bytes named .zip are a package (and one nothing compresses).
	overwrite := "?overwriteMode=OverwriteExisting"
	if _, _, err := b.uploadOctopus(ctx, deltaSpace+"/packages/raw"+overwrite, deltaID+".1.0.0.zip", basePath, 0); err != nil {
		return nil, fmt.Errorf("base upload: %w", err)
	}
	defer func() { // so later rows (re-index) do not walk 200 MiB more
		for _, v := range []string{"1.0.0", "2.0.0"} {
			req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodDelete, b.base+deltaSpace+"/packages/"+deltaID+"."+v, nil)
			if err == nil {
				req.Header.Set("X-Octopus-ApiKey", b.key)
				_, _ = b.do(req, 0)
			}
		}
	}()

	start := time.Now()
	sig, sigBytes, err := b.deltaSignature(ctx, deltaSpace+"/packages/"+deltaID+"/1.0.0/delta-signature")
	if err != nil {
		return nil, err
	}
	fetched := time.Since(start)
	start = time.Now()
	if err := buildDeltaFile(newPath, deltaPath, sig); err != nil {
		return nil, err
	}
	built := time.Since(start)
	fi, err := os.Stat(deltaPath)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "load: delta signature %d bytes fetched in %s, delta of %d bytes built in %s (both untimed)\n",
		sigBytes, fetched.Round(time.Millisecond), fi.Size(), built.Round(time.Millisecond))

	fullURL := deltaSpace + "/packages/raw" + overwrite
	deltaURL := deltaSpace + "/packages/" + deltaID + "/1.0.0/delta" + overwrite
	newName := deltaID + ".2.0.0.zip"
	measure := func(runs int, rate float64) (full, delta result, err error) {
		for range runs {
			for _, m := range []struct {
				url, path string
				res       *result
			}{{fullURL, newPath, &full}, {deltaURL, deltaPath, &delta}} {
				took, sent, err := b.uploadOctopus(ctx, m.url, newName, m.path, rate)
				if err != nil {
					return result{}, result{}, err
				}
				m.res.Count++
				m.res.Bytes += sent
				m.res.Elapsed += took
				m.res.Latencies = append(m.res.Latencies, took)
			}
		}
		slices.Sort(full.Latencies)
		slices.Sort(delta.Latencies)
		return full, delta, nil
	}
	ratio := func(full, delta result) float64 {
		return 100 * delta.quantile(0.5).Seconds() / full.quantile(0.5).Seconds()
	}
	// A row for each kind: duration is the runs' total, p50 the median upload,
	// p99 the slowest (with three runs the 99th percentile is the slowest).
	runsRow := func(name string, res result, g goal) row {
		r := timed(name, res, g)
		r.P99 = res.Latencies[len(res.Latencies)-1]
		return r
	}
	full, delta, err := measure(deltaRuns, 0)
	if err != nil {
		return nil, err
	}
	deltaRow := runsRow("Octopus delta upload 100 MiB (1 MiB changed)", delta, goal{})
	deltaRow.Value, deltaRow.Unit, deltaRow.Goal = ratio(full, delta), "", goal{Max: 25, Unit: "% of full"}
	rows := []row{
		runsRow("Octopus full upload 100 MiB", full, goal{Unit: "MiB/s"}),
		deltaRow,
		{Name: "  bytes sent per full upload", Value: float64(full.Bytes/full.Count) / (1 << 20), Unit: "MiB"},
		{Name: "  bytes sent per delta upload", Value: float64(delta.Bytes/delta.Count) / (1 << 20), Unit: "MiB"},
	}

	full, delta, err = measure(deltaRuns, pacedRate)
	if err != nil {
		return nil, err
	}
	pacedDelta := runsRow("Octopus delta upload at 100 Mbit/s (client-paced)", delta, goal{})
	pacedDelta.Value, pacedDelta.Unit = ratio(full, delta), "% of full"
	return append(rows, runsRow("Octopus full upload 100 MiB at 100 Mbit/s (client-paced)", full, goal{Unit: "MiB/s"}), pacedDelta), nil
}

// uploadOctopus posts the file at path to url as the multipart file part
// named name, expecting 201 (a new or overwritten package). rate > 0 paces
// the body to that many bytes per second. It returns how long the request
// took and the file part's size (the multipart framing adds about 200 bytes).
func (b *bench) uploadOctopus(ctx context.Context, url, name, path string, rate float64) (time.Duration, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	var r io.Reader = f
	if rate > 0 {
		r = &pacedReader{r: f, rate: rate}
	}
	start := time.Now()
	err = b.pushMultipart(ctx, url, "X-Octopus-ApiKey", "fileToUpload", name, r, fi.Size(), http.MethodPost, http.StatusCreated)
	return time.Since(start), fi.Size(), err
}

// deltaSignature fetches and parses the Octodiff signature of a stored
// package, returning it and its size on the wire (base64 in JSON).
func (b *bench) deltaSignature(ctx context.Context, path string) (*octodiff.Signature, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.base+path, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("X-Octopus-ApiKey", b.key)
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, 0, skipError{fmt.Sprintf("GET %s answers %d", path, resp.StatusCode)}
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return nil, 0, fmt.Errorf("GET %s: status %d: %s", path, resp.StatusCode, msg)
	}
	body := &countingReader{r: resp.Body}
	var doc struct {
		Signature string `json:"Signature"`
	}
	if err := json.NewDecoder(body).Decode(&doc); err != nil {
		return nil, 0, fmt.Errorf("delta signature: %w", err)
	}
	raw, err := base64.StdEncoding.DecodeString(doc.Signature)
	if err != nil {
		return nil, 0, fmt.Errorf("delta signature: %w", err)
	}
	sig, err := octodiff.ReadSignature(bytes.NewReader(raw))
	if err != nil {
		return nil, 0, fmt.Errorf("delta signature: %w", err)
	}
	_, _ = io.Copy(io.Discard, body)
	return sig, body.n, nil
}

// buildDeltaFile writes the Octodiff delta that turns sig's basis into the
// file at newPath to deltaPath.
func buildDeltaFile(newPath, deltaPath string, sig *octodiff.Signature) error {
	in, err := os.Open(newPath)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(deltaPath)
	if err != nil {
		return err
	}
	if err := octodiff.BuildDelta(in, sig, out); err != nil {
		out.Close()
		return fmt.Errorf("build delta: %w", err)
	}
	return out.Close()
}

// writeDeltaPair writes size pseudo-random bytes to basePath and the same to
// newPath except for changed bytes at offset at, which differ.
func writeDeltaPair(basePath, newPath string, size, at, changed int64) error {
	base, err := os.Create(basePath)
	if err != nil {
		return err
	}
	defer base.Close()
	next, err := os.Create(newPath)
	if err != nil {
		return err
	}
	defer next.Close()
	same := rand.NewChaCha8([32]byte{5})
	other := rand.NewChaCha8([32]byte{6})
	both := io.MultiWriter(base, next)
	if _, err := io.CopyN(both, same, at); err != nil {
		return err
	}
	if _, err := io.CopyN(base, same, changed); err != nil {
		return err
	}
	if _, err := io.CopyN(next, other, changed); err != nil {
		return err
	}
	if _, err := io.CopyN(both, same, size-at-changed); err != nil {
		return err
	}
	if err := base.Close(); err != nil {
		return err
	}
	return next.Close()
}

// pacedReader lets r's bytes through at rate bytes per second, measured from
// the first Read: it sleeps until the bytes read so far are due. Reads are cut
// to 64 KiB so no burst runs far ahead of the line rate.
type pacedReader struct {
	r     io.Reader
	rate  float64
	start time.Time
	n     int64
}

func (p *pacedReader) Read(buf []byte) (int, error) {
	if p.start.IsZero() {
		p.start = time.Now()
	}
	if len(buf) > 64<<10 {
		buf = buf[:64<<10]
	}
	n, err := p.r.Read(buf)
	p.n += int64(n)
	due := p.start.Add(time.Duration(float64(p.n) / p.rate * float64(time.Second)))
	time.Sleep(time.Until(due))
	return n, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

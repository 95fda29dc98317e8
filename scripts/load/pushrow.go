package main

import (
	"context"
	"sync"
)

// aheadRate is the push rate prebuild builds requests for: above anything
// this machine reaches, so a row does not run out of prebuilt requests.
const aheadRate = 5000

// request is one push, built before it is sent.
type request struct {
	raw  []byte // the whole HTTP request
	size int64  // of the package in it
}

// pushRow runs a push row: clients send the requests build makes, each on its
// own rawConn, and every answer must have status want (0: any 2xx).
func pushRow(ctx context.Context, b *bench, clients, want int, g goal, build func(n int64) request) ([]row, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reqs := prebuild(ctx, b, build)
	conns, err := newRawConns(b.base, clients)
	if err != nil {
		return nil, err
	}
	defer closeAll(conns)
	res, err := run(ctx, load{Clients: clients, Duration: b.duration, Max: b.max}, func(ctx context.Context, w int, _ int64) (int64, error) {
		select {
		case r := <-reqs:
			_, err := conns[w].do(r.raw, want)
			return r.size, err
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
	if err != nil {
		return nil, err
	}
	return []row{timed("", res, g)}, nil
}

// prebuild returns the requests of a push row, most of them built before the
// row's clock starts: as many as it could send at aheadRate in its duration
// (or -max, if fewer). Should the row outrun them, one goroutine keeps
// building while it runs. A build pipeline pushes packages it already has,
// and building them during the row took a third of the load generator's
// CPU, which on this machine is taken from the server it measures.
func prebuild(ctx context.Context, b *bench, build func(n int64) request) <-chan request {
	ahead := int64(b.duration.Seconds() * aheadRate)
	if b.max > 0 && b.max < ahead {
		ahead = b.max
	}
	reqs := make(chan request, ahead)
	var once sync.Once
	filled := make(chan struct{})
	go func() {
		defer once.Do(func() { close(filled) })
		for n := int64(0); b.max <= 0 || n < b.max; n++ {
			if n == ahead {
				once.Do(func() { close(filled) })
			}
			select {
			case reqs <- build(n):
			case <-ctx.Done():
				return
			}
		}
	}()
	select {
	case <-filled:
	case <-ctx.Done():
	}
	return reqs
}

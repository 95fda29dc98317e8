package octodiff

// adlerModulus is standard Adler-32's prime, used only by "Adler32V2".
const adlerModulus = 65521

// adler32 is Octodiff's "Adler32" rolling checksum. It is NOT standard
// Adler-32: both sums wrap at 16 bits instead of being reduced mod 65521.
// Octodiff and go-octodiff compute it this way, so signatures must too.
func adler32(block []byte) uint32 {
	var a, b uint16 = 1, 0
	for _, z := range block {
		a += uint16(z)
		b += a
	}
	return uint32(b)<<16 | uint32(a)
}

// adler32Rotate slides an adler32 window of n bytes one byte on: remove
// leaves at the front, add enters at the back.
func adler32Rotate(sum uint32, remove, add byte, n int) uint32 {
	a := uint16(sum)
	b := uint16(sum >> 16)
	a = a - uint16(remove) + uint16(add)
	b = b - uint16(n)*uint16(remove) + a - 1
	return uint32(b)<<16 | uint32(a)
}

// adler32V2 is Octodiff's "Adler32V2": the same sums reduced mod 65521.
func adler32V2(block []byte) uint32 {
	var a, b uint32 = 1, 0
	for _, z := range block {
		a = (a + uint32(z)) % adlerModulus
		b = (b + a) % adlerModulus
	}
	return b<<16 | a
}

// adler32V2Rotate slides an adler32V2 window. Octodiff's C# and Go versions
// disagree when intermediates go negative; this one is exact modular
// arithmetic, which is what matters because it only proposes candidates that
// SHA-1 then confirms.
func adler32V2Rotate(sum uint32, remove, add byte, n int) uint32 {
	a := int64(sum & 0xffff)
	b := int64(sum >> 16)
	a = mod(a-int64(remove)+int64(add), adlerModulus)
	b = mod(b-int64(n)%adlerModulus*int64(remove)+a-1, adlerModulus)
	return uint32(b)<<16 | uint32(a)
}

func mod(x, m int64) int64 {
	x %= m
	if x < 0 {
		x += m
	}
	return x
}

// rolling is one of the two rolling checksums, chosen by its header name.
type rolling struct {
	v2 bool
}

func rollingFor(name string) (rolling, bool) {
	switch name {
	case checksumAdler32:
		return rolling{}, true
	case checksumAdler32V2:
		return rolling{v2: true}, true
	}
	return rolling{}, false
}

func (r rolling) sum(block []byte) uint32 {
	if r.v2 {
		return adler32V2(block)
	}
	return adler32(block)
}

func (r rolling) rotate(sum uint32, remove, add byte, n int) uint32 {
	if r.v2 {
		return adler32V2Rotate(sum, remove, add, n)
	}
	return adler32Rotate(sum, remove, add, n)
}

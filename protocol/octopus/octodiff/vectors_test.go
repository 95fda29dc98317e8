package octodiff

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"testing"
)

// The vectors in this file are the expected outputs published in
// OctopusDeploy/go-octodiff's tests (which mirror C# Octodiff), for its input:
// a small self-signed x509 certificate, chosen there because it is full of
// bytes ≥ 0x80 that catch signed/unsigned mistakes. Matching them proves our
// bytes are the bytes real Octopus clients and servers produce.
const certBase64 = "MIICBDCCAaugAwIBAgIUGNg/B3GL5BId8KGNdhD6+NejvsQwCgYIKoZIzj0EAwIwWDELMAkGA1UEBhMCQVUxEzARBgNVBAgMClNvbWUtU3RhdGUxFzAVBgNVBAoMDk9jdG9wdXMgRGVwbG95MQwwCgYDVQQLDANSJkQxDTALBgNVBAMMBFRFU1QwHhcNMjMwMzIwMDk0ODQyWhcNMjQwMzE5MDk0ODQyWjBYMQswCQYDVQQGEwJBVTETMBEGA1UECAwKU29tZS1TdGF0ZTEXMBUGA1UECgwOT2N0b3B1cyBEZXBsb3kxDDAKBgNVBAsMA1ImRDENMAsGA1UEAwwEVEVTVDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABFBLdySNg+Lj4gm7sil6Dk0k/0Xnnv+I3RZeZBmumFEtq9IhnaRuk9f/mNWhy4AxSlfzfQkx7PfzvUvOISz9LLqjUzBRMB0GA1UdDgQWBBS63SeKMeASd2r7/aTq2P3OkE8O/DAfBgNVHSMEGDAWgBS63SeKMeASd2r7/aTq2P3OkE8O/DAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIFmc75IBFbZKfQvH3lWoS7p/Be54uekDr3y1K0pdzI6iAiAGV1RF2rnCEyWkjeO9fOUaNGEgFadGSHh8en4DJkU3cA=="

// certData returns n bytes made of repeated copies of the certificate.
func certData(t testing.TB, n int) []byte {
	t.Helper()
	cert, err := base64.StdEncoding.DecodeString(certBase64)
	if err != nil {
		t.Fatal(err)
	}
	if n < 0 {
		return cert
	}
	out := make([]byte, 0, n+len(cert))
	for len(out) < n {
		out = append(out, cert...)
	}
	return out[:n]
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAdler32KnownVectors(t *testing.T) {
	cert := certData(t, -1)
	tests := []struct {
		name  string
		block []byte
		want  uint32
	}{
		{"cert[0:100]", cert[:100], 2755533412},
		{"cert[1:101]", cert[1:101], 2888047271},
		{"cert[2:102]", cert[2:102], 2476743237},
		{"cert[93:193]", cert[93:193], 591925890},
		{"cert", cert, 4037189623},
		{"100KiB of certs", certData(t, 100*1024), 2928347280},
		{"empty", nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := adler32(tt.block); got != tt.want {
				t.Errorf("adler32 = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestAdler32RotateKnownVectors(t *testing.T) {
	tests := []struct {
		sum         uint32
		remove, add byte
		n           int
		want        uint32
	}{
		{2755533412, 0, 0xAF, 8, 3209698067},
		{2755533412, 0, 0xAF, 16, 3209698067},
		{2755533412, 0, 0xAF, 32, 3209698067},
		{3209698067, 0xAF, 0xFE, 8, 3577289570},
		{3209698067, 0xAF, 0xFE, 16, 3485539170},
		{3209698067, 0xAF, 0xFE, 24, 3393788770},
		{3209698067, 0xAF, 0xFE, 32, 3302038370},
	}
	for _, tt := range tests {
		if got := adler32Rotate(tt.sum, tt.remove, tt.add, tt.n); got != tt.want {
			t.Errorf("adler32Rotate(%d, %#x, %#x, %d) = %d, want %d", tt.sum, tt.remove, tt.add, tt.n, got, tt.want)
		}
	}
}

// Rolling a window across data must give the same sum as computing it afresh.
func TestRotateAgreesWithSum(t *testing.T) {
	data := certData(t, 4096)
	for _, name := range []string{checksumAdler32, checksumAdler32V2} {
		r, _ := rollingFor(name)
		for _, n := range []int{1, 7, 128, 2048} {
			sum := r.sum(data[:n])
			for i := 1; i+n <= len(data); i++ {
				sum = r.rotate(sum, data[i-1], data[i+n-1], n)
				if want := r.sum(data[i : i+n]); sum != want {
					t.Fatalf("%s n=%d i=%d: rolled %d, want %d", name, n, i, sum, want)
				}
			}
		}
	}
}

func TestSignatureKnownVectors(t *testing.T) {
	tests := []struct {
		name      string
		input     []byte
		chunkSize int
		checksum  string
		want      string
	}{
		{"cert, default chunks", certData(t, -1), DefaultChunkSize, checksumAdler32,
			"4f43544f5349470104534841310741646c657233323e3e3e0802f79fa2f0330bd06982d3b5dbda6c1a6ad16687a0cdb03c0d"},
		{"cert, 128-byte chunks", certData(t, -1), MinChunkSize, checksumAdler32,
			"4f43544f5349470104534841310741646c657233323e3e3e8000951f26e719f3978cb607e80a9aab3abbcac8bb1ecbcecf3e80001f18260f0f73196c2aa57877ee5e31291a59b5afca4493658000e035f42a42c4a73471dea3b9746e22dd93893fd8549f11bd8000dd2ff46b72e00e30ecae4c70ee07721d221a3b8a6d1847fa08008a02860c21d4023a8ba580ecdba742e7400aa40b6e449bb3"},
		{"cert, Adler32V2", certData(t, -1), DefaultChunkSize, checksumAdler32V2,
			"4f43544f5349470104534841310941646c6572333256323e3e3e0802f79fe5f8330bd06982d3b5dbda6c1a6ad16687a0cdb03c0d"},
		{"100KiB, max chunks", certData(t, 100*1024), MaxChunkSize, checksumAdler32,
			"4f43544f5349470104534841310741646c657233323e3e3e007cb823382f5470f51bab46eeb3913379e7b70a0d7329a9afce007cb5278ac69c31becd9bcd36f9afbd350ec15f4c437fd0cb67007c7a20e05ec605af9c2fd5a61b60f65600f5849f6ce1c53cf1001cac9ce9f194d25de18f219fa7832df14593cade50d8b0d2a2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := buildSignature(bytes.NewReader(tt.input), &buf, tt.chunkSize, tt.checksum); err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(buf.Bytes()); got != tt.want {
				t.Errorf("signature\n got %s\nwant %s", got, tt.want)
			}
			sig, err := ReadSignature(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatalf("ReadSignature of our own signature: %v", err)
			}
			var again bytes.Buffer
			if _, err := sig.WriteTo(&again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again.Bytes(), buf.Bytes()) {
				t.Errorf("WriteTo after ReadSignature differs:\n got %x\nwant %x", again.Bytes(), buf.Bytes())
			}
		})
	}
}

func TestDeltaKnownVectors(t *testing.T) {
	cert := certData(t, -1)
	changed := bytes.Clone(cert)
	copy(changed[32:], []byte{0xaa, 0xab, 0xac})
	prepended := append([]byte{0xaa}, cert...)

	const header = "4f43544f44454c544101045348413114000000"
	tests := []struct {
		name      string
		basis     []byte
		chunkSize int
		newFile   []byte
		want      string
	}{
		{"same input is one copy", cert, DefaultChunkSize, cert,
			header + "330bd06982d3b5dbda6c1a6ad16687a0cdb03c0d" + "3e3e3e" +
				"60" + "0000000000000000" + "0802000000000000"},
		{"no basis is all data", nil, DefaultChunkSize, cert,
			header + "330bd06982d3b5dbda6c1a6ad16687a0cdb03c0d" + "3e3e3e" +
				"80" + "0802000000000000" + hex.EncodeToString(cert)},
		{"a change in the only chunk is all data", cert, DefaultChunkSize, changed,
			header + "14ba64eeabad295dd60cfabd648ff176b6489077" + "3e3e3e" +
				"80" + "0802000000000000" + hex.EncodeToString(changed)},
		{"a change in the first of several chunks", cert, MinChunkSize, changed,
			header + "14ba64eeabad295dd60cfabd648ff176b6489077" + "3e3e3e" +
				"80" + "8000000000000000" + hex.EncodeToString(changed[:128]) +
				"60" + "8000000000000000" + "8801000000000000"},
		{"one byte prepended", cert, MinChunkSize, prepended,
			header + "e5ca5051b8cf462ed567a8f88802fd9e62a0f0e8" + "3e3e3e" +
				"80" + "0100000000000000" + "aa" +
				"60" + "0000000000000000" + "0802000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sigBuf bytes.Buffer
			if err := buildSignature(bytes.NewReader(tt.basis), &sigBuf, tt.chunkSize, checksumAdler32); err != nil {
				t.Fatal(err)
			}
			sig, err := ReadSignature(&sigBuf)
			if err != nil {
				t.Fatal(err)
			}
			var delta bytes.Buffer
			if err := BuildDelta(bytes.NewReader(tt.newFile), sig, &delta); err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(delta.Bytes()); got != tt.want {
				t.Errorf("delta\n got %s\nwant %s", got, tt.want)
			}
			// And the published delta applies to give the new file.
			var out bytes.Buffer
			if err := ApplyDelta(bytes.NewReader(tt.basis), bytes.NewReader(mustHex(t, tt.want)), &out); err != nil {
				t.Fatalf("ApplyDelta of the published delta: %v", err)
			}
			if !bytes.Equal(out.Bytes(), tt.newFile) {
				t.Errorf("ApplyDelta gave %d bytes, want the %d-byte new file", out.Len(), len(tt.newFile))
			}
		})
	}
}

package s3

import (
	"net/url"

	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Credentials sign the store's requests. From says where they came from,
// for the log; the secret itself is never printed.
type Credentials struct {
	From  string
	creds *credentials.Credentials
}

// StaticCredentials are an access key, its secret and an optional session
// token.
func StaticCredentials(id, secret, token string) Credentials {
	return Credentials{From: "given access key", creds: credentials.NewStaticV4(id, secret, token)}
}

// ResolveCredentials finds the credentials as the AWS tools do, first found
// wins:
//
//  1. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN;
//  2. the profile's keys in the shared files (~/.aws/credentials over
//     ~/.aws/config, or AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE;
//     credential_process and SSO profiles too), refreshed as they expire;
//  3. for an AWS endpoint, or where the environment names one (ECS, EKS web
//     identity), the role of the instance, task or pod;
//  4. none: requests are anonymous, which only a public bucket accepts.
//
// Steps 2 and 3 are tried once, here, so a store without credentials does
// not look for them again before every request.
func ResolveCredentials(getenv func(string) string, profile, endpoint string) Credentials {
	if id := getenv("AWS_ACCESS_KEY_ID"); id != "" {
		return Credentials{
			From:  "environment (AWS_ACCESS_KEY_ID)",
			creds: credentials.NewStaticV4(id, getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")),
		}
	}
	file := credentials.New(&credentials.FileAWSCredentials{Profile: profile})
	if v, err := file.GetWithContext(nil); err == nil && v.AccessKeyID != "" {
		return Credentials{From: "AWS shared files, profile " + profile, creds: file}
	}
	if roleEnvironment(getenv, endpoint) {
		role := credentials.New(&credentials.IAM{})
		if v, err := role.GetWithContext(nil); err == nil && v.AccessKeyID != "" {
			return Credentials{From: "the instance's role", creds: role}
		}
	}
	return Credentials{
		From:  "none: anonymous requests",
		creds: credentials.NewStatic("", "", "", credentials.SignatureAnonymous),
	}
}

// roleEnvironment reports whether a role may provide credentials: the
// endpoint is AWS (an EC2 instance's metadata service), or the environment
// points at a container's or a web identity's credentials.
func roleEnvironment(getenv func(string) string, endpoint string) bool {
	for _, v := range []string{"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"} {
		if getenv(v) != "" {
			return true
		}
	}
	u, err := url.Parse(endpoint)
	return err == nil && s3utils.IsAmazonEndpoint(*u)
}

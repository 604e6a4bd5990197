/*
Copyright 2026 The GameStatefulSet Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command images builds the container images of the local cluster without Docker: each is a static Go binary
// in a one-layer image, written as a docker-archive tarball that `ctr images import` takes.
//
// usage: images -out DIR IMAGE_REF=PACKAGE[@LDFLAGS][>PATH] ...
//
// The binary is the image's entrypoint at PATH (default /app), e.g.
//
//	images -out /tmp/img registry.k8s.io/pause:3.10=./hack/pause 'operator:dev=./cmd>/manager'

package main

import (
	"archive/tar"
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

func main() {
	out := flag.String("out", "", "folder for the image tarballs")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: images -out DIR IMAGE_REF=PACKAGE[@LDFLAGS][>PATH] ...")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	for _, spec := range flag.Args() {
		ref, rest, ok := strings.Cut(spec, "=")
		if !ok {
			fail(fmt.Errorf("%q: want IMAGE_REF=PACKAGE[@LDFLAGS]", spec))
		}
		rest, entrypoint, found := strings.Cut(rest, ">")
		if !found {
			entrypoint = "/app"
		}
		pkg, ldflags, _ := strings.Cut(rest, "@")
		path, err := build(*out, ref, pkg, ldflags, entrypoint)
		if err != nil {
			fail(fmt.Errorf("%s: %w", ref, err))
		}
		fmt.Println(path)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "images:", err)
	os.Exit(1)
}

// build compiles pkg statically and writes the image ref holding it as its entrypoint, run as a non-root user.
func build(out, ref, pkg, ldflags, entrypoint string) (string, error) {
	tag, err := name.NewTag(ref)
	if err != nil {
		return "", err
	}
	binary := filepath.Join(out, strings.NewReplacer("/", "_", ":", "_").Replace(ref)+".bin")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w "+ldflags, "-o", binary, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w", pkg, err)
	}
	content, err := os.ReadFile(binary)
	if err != nil {
		return "", err
	}
	_ = os.Remove(binary)
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return tarOf(strings.TrimPrefix(entrypoint, "/"), content) })
	if err != nil {
		return "", err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return "", err
	}
	config, err := img.ConfigFile()
	if err != nil {
		return "", err
	}
	config = config.DeepCopy()
	// without a platform, containerd's import filters the image out
	config.OS, config.Architecture = "linux", runtime.GOARCH
	config.Created = v1.Time{Time: time.Unix(0, 0)}
	config.Config = v1.Config{Entrypoint: []string{entrypoint}, User: "65532:65532", WorkingDir: "/"}
	img, err = mutate.ConfigFile(img, config)
	if err != nil {
		return "", err
	}
	img = mutate.MediaType(img, "application/vnd.docker.distribution.manifest.v2+json")
	path := filepath.Join(out, strings.NewReplacer("/", "_", ":", "_").Replace(ref)+".tar")
	return path, tarball.WriteToFile(path, tag, img)
}

// tarOf is a layer holding one executable file.
func tarOf(fileName string, content []byte) (io.ReadCloser, error) {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	if err := w.WriteHeader(&tar.Header{Name: fileName, Mode: 0o755, Size: int64(len(content)), Typeflag: tar.TypeReg,
		ModTime: time.Unix(0, 0)}); err != nil {
		return nil, err
	}
	if _, err := w.Write(content); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
}

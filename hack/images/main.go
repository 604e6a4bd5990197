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

// Command images builds the container images of the local cluster without Docker, each a one-layer image written
// as a docker-archive tarball that `ctr images import` takes.
//
// usage: images -out DIR IMAGE_REF=PACKAGE[@LDFLAGS][>PATH] ...
//
// builds each PACKAGE as a static Go binary, the image's entrypoint at PATH (default /app), e.g.
//
//	images -out /tmp/img registry.k8s.io/pause:3.10=./hack/pause 'operator:dev=./cmd>/manager'
//
// usage: images -out DIR -assemble IMAGE_REF [-add SRC=DST]... [-link DST=TARGET]... [-label K=V]... [-env K=V]...
// [-entrypoint ARG,ARG] [-cmd ARG,ARG] [-user UID:GID]
//
// assembles one image from files and folders already built (OLM's binaries, a bundle's manifests, a catalog).

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
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// push sends the images to a registry instead of writing tarballs.
var push bool

// repeated is a flag given any number of times.
type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

func main() {
	out := flag.String("out", "", "folder for the image tarballs")
	assemble := flag.String("assemble", "", "the reference of one image assembled from -add and -link")
	var adds, links, labels, envs repeated
	flag.Var(&adds, "add", "SRC=DST: a file or folder of this machine at DST in the image")
	flag.Var(&links, "link", "DST=TARGET: a symbolic link in the image")
	flag.Var(&labels, "label", "K=V: an image label")
	flag.Var(&envs, "env", "K=V: an environment variable of the image")
	entrypoint := flag.String("entrypoint", "", "the entrypoint, its arguments separated by commas")
	command := flag.String("cmd", "", "the default arguments, separated by commas")
	user := flag.String("user", "65532:65532", "the user the image runs as")
	flag.BoolVar(&push, "push", false, "push each image to the registry of its reference (plain HTTP for localhost) and print REPOSITORY@DIGEST, instead of writing a tarball")
	flag.Parse()
	if *out == "" || (flag.NArg() == 0) == (*assemble == "") {
		fmt.Fprintln(os.Stderr, "usage: images -out DIR IMAGE_REF=PACKAGE[@LDFLAGS][>PATH] ...\n"+
			"       images -out DIR -assemble IMAGE_REF -add SRC=DST... [-link DST=TARGET]... [-label K=V]... [-env K=V]... [-entrypoint A,B] [-cmd A,B]")
		os.Exit(2)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fail(err)
	}
	if *assemble != "" {
		var layer layerFiles
		for _, add := range adds {
			src, dst, ok := strings.Cut(add, "=")
			if !ok {
				fail(fmt.Errorf("-add %q: want SRC=DST", add))
			}
			if err := layer.add(src, dst); err != nil {
				fail(err)
			}
		}
		for _, link := range links {
			dst, target, ok := strings.Cut(link, "=")
			if !ok {
				fail(fmt.Errorf("-link %q: want DST=TARGET", link))
			}
			layer.link(dst, target)
		}
		config := v1.Config{Entrypoint: splitArgs(*entrypoint), Cmd: splitArgs(*command), User: *user, WorkingDir: "/",
			Env: envs, Labels: map[string]string{}}
		for _, label := range labels {
			k, v, _ := strings.Cut(label, "=")
			config.Labels[k] = v
		}
		path, err := write(*out, *assemble, layer, config)
		if err != nil {
			fail(fmt.Errorf("%s: %w", *assemble, err))
		}
		fmt.Println(path)
		return
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
	if _, err := name.NewTag(ref); err != nil {
		return "", err
	}
	binary := filepath.Join(out, strings.NewReplacer("/", "_", ":", "_").Replace(ref)+".bin")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w "+ldflags, "-o", binary, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w", pkg, err)
	}
	var layer layerFiles
	if err := layer.add(binary, entrypoint); err != nil {
		return "", err
	}
	defer os.Remove(binary)
	return write(out, ref, layer, v1.Config{Entrypoint: []string{entrypoint}, User: "65532:65532", WorkingDir: "/"})
}

func splitArgs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// layerFiles is the content of an image's one layer, in the order written.
type layerFiles struct {
	entries []layerEntry
}

type layerEntry struct {
	name    string
	content []byte
	mode    int64
	dir     bool
	target  string // a symbolic link's
}

// add puts a file of this machine at dst, or a folder's tree under dst, with their permissions.
func (l *layerFiles) add(src, dst string) error {
	dst = strings.TrimPrefix(dst, "/")
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		name := filepath.ToSlash(filepath.Join(dst, rel))
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name == "." {
				return nil
			}
			mode := int64(info.Mode().Perm())
			if info.Mode()&os.ModeSticky != 0 {
				mode |= 0o1000 // a /tmp every user writes to
			}
			l.entries = append(l.entries, layerEntry{name: name + "/", mode: mode, dir: true})
			return nil
		}
		content, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		l.entries = append(l.entries, layerEntry{name: name, content: content, mode: int64(info.Mode().Perm())})
		return nil
	})
}

func (l *layerFiles) link(dst, target string) {
	l.entries = append(l.entries, layerEntry{name: strings.TrimPrefix(dst, "/"), target: target, mode: 0o777})
}

// write is the image ref of one layer holding the files, as a tarball in out, run as the config says.
func write(out, ref string, layer layerFiles, runConfig v1.Config) (string, error) {
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		return "", err
	}
	tarLayer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return layer.tar() })
	if err != nil {
		return "", err
	}
	img, err := mutate.AppendLayers(empty.Image, tarLayer)
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
	config.Config = runConfig
	img, err = mutate.ConfigFile(img, config)
	if err != nil {
		return "", err
	}
	img = mutate.MediaType(img, "application/vnd.docker.distribution.manifest.v2+json")
	if push {
		if err := remote.Write(tag, img); err != nil {
			return "", err
		}
		digest, err := img.Digest()
		if err != nil {
			return "", err
		}
		return tag.Context().Digest(digest.String()).String(), nil
	}
	path := filepath.Join(out, strings.NewReplacer("/", "_", ":", "_").Replace(ref)+".tar")
	return path, tarball.WriteToFile(path, tag, img)
}

func (l *layerFiles) tar() (io.ReadCloser, error) {
	var buf bytes.Buffer
	w := tar.NewWriter(&buf)
	for _, e := range l.entries {
		header := &tar.Header{Name: e.name, Mode: e.mode, ModTime: time.Unix(0, 0)}
		switch {
		case e.dir:
			header.Typeflag = tar.TypeDir
		case e.target != "":
			header.Typeflag, header.Linkname = tar.TypeSymlink, e.target
		default:
			header.Typeflag, header.Size = tar.TypeReg, int64(len(e.content))
		}
		if err := w.WriteHeader(header); err != nil {
			return nil, err
		}
		if _, err := w.Write(e.content); err != nil {
			return nil, err
		}
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(buf.Bytes())), nil
}

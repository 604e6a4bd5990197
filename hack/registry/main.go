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

// Command registry is the local cluster's image registry: OLM pulls catalog and bundle images by tag with
// imagePullPolicy Always, as from any registry, so they must be served by one; no registry image runs here without
// Docker. It serves the OCI distribution API (go-containerregistry's implementation) over plain HTTP on the
// loopback address, which containerd reaches without TLS for localhost. Blobs are kept on disk, manifests in
// memory: images are pushed again after a restart.
//
// usage: registry -listen 127.0.0.1:5000 -dir DIR
package main

import (
	"flag"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:5000", "address to serve on")
	dir := flag.String("dir", "", "folder for the blobs (default: in memory)")
	flag.Parse()
	options := []registry.Option{registry.Logger(log.New(os.Stderr, "registry: ", log.LstdFlags))}
	if *dir != "" {
		if err := os.MkdirAll(*dir, 0o755); err != nil {
			log.Fatal(err)
		}
		options = append(options, registry.WithBlobHandler(registry.NewDiskBlobHandler(*dir)))
	}
	server := &http.Server{Addr: *listen, Handler: registry.New(options...), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(server.ListenAndServe())
}

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

// Command content is the content container of the lossless-update e2e suite: it puts its version's content
// into the volume it shares with the game ($CONTENT_DIR, /content by default) and stays running, as a
// sidecar that carries a game's configs, scripts or assets does. Each version is an image with its own ID.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

var version = "dev"

func main() {
	dir := os.Getenv("CONTENT_DIR")
	if dir == "" {
		dir = "/content"
	}
	// written aside and renamed, so the game never reads half a file
	tmp := filepath.Join(dir, ".version.tmp")
	if err := os.WriteFile(tmp, []byte("content "+version+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "version")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("content", version, "in", dir)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	<-signals
}

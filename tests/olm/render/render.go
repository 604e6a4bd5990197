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

// Package render turns a bundle folder into its file-based catalog entry, as `opm render` does, without pulling
// any image.
package render

import (
	"context"
	"errors"
	"text/template"

	"github.com/operator-framework/operator-registry/alpha/action"
	"github.com/operator-framework/operator-registry/alpha/action/migrations"
	"github.com/operator-framework/operator-registry/alpha/declcfg"
	"github.com/operator-framework/operator-registry/pkg/image"
)

// Bundle is the catalog entry of the bundle folder dir, published as bundleImage, in the current schema.
func Bundle(dir, bundleImage string) (*declcfg.DeclarativeConfig, error) {
	imageRef, err := template.New("image").Parse(bundleImage)
	if err != nil {
		return nil, err
	}
	toCurrentSchema, err := migrations.NewMigrations(migrations.AllMigrations)
	if err != nil {
		return nil, err
	}
	render := action.Render{
		Refs:             []string{dir},
		AllowedRefMask:   action.RefBundleDir,
		ImageRefTemplate: imageRef,
		Migrations:       toCurrentSchema,
		Registry:         noRegistry{},
	}
	return render.Run(context.Background())
}

type noRegistry struct{}

var errNoRegistry = errors.New("render renders bundle directories only, it does not pull images")

func (noRegistry) Pull(context.Context, image.Reference) error           { return errNoRegistry }
func (noRegistry) Unpack(context.Context, image.Reference, string) error { return errNoRegistry }
func (noRegistry) Labels(context.Context, image.Reference) (map[string]string, error) {
	return nil, errNoRegistry
}
func (noRegistry) Destroy() error { return nil }

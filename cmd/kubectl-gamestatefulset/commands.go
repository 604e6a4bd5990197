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

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	gstsv1alpha1 "github.com/gamestatefulset/gamestatefulset-operator/api/v1alpha1"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/cli"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/identity"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/planner"
	"github.com/gamestatefulset/gamestatefulset-operator/internal/revision"
)

// version is set at build time.
var version = "dev"

type env struct {
	flags   *genericclioptions.ConfigFlags
	streams genericiooptions.IOStreams
}

func (e *env) client() (client.Client, string, error) {
	cfg, err := e.flags.ToRESTConfig()
	if err != nil {
		return nil, "", err
	}
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, "", err
	}
	if err := gstsv1alpha1.AddToScheme(scheme); err != nil {
		return nil, "", err
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, "", err
	}
	ns, _, err := e.flags.ToRawKubeConfigLoader().Namespace()
	return c, ns, err
}

func (e *env) printf(format string, args ...any) { fmt.Fprintf(e.streams.Out, format, args...) }

func newRoot(streams genericiooptions.IOStreams) *cobra.Command {
	e := &env{flags: genericclioptions.NewConfigFlags(true), streams: streams}
	name := filepath.Base(os.Args[0])
	use := "gamestatefulset"
	if strings.Contains(name, "gsts") {
		use = "gsts"
	}
	root := &cobra.Command{
		Use:           use,
		Short:         "Get, describe, scale and roll out GameStatefulSets",
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	e.flags.AddFlags(root.PersistentFlags())
	root.AddCommand(e.getCmd(), e.describeCmd(), e.scaleCmd(), e.setCmd(), e.rolloutCmd(), e.execCmd(), &cobra.Command{
		Use: "version", Short: "Print the plugin's version",
		Run: func(*cobra.Command, []string) { e.printf("kubectl-gamestatefulset %s\n", version) },
	})
	return root
}

func (e *env) getSet(ctx context.Context, c client.Client, ns, name string) (*gstsv1alpha1.GameStatefulSet, error) {
	set := &gstsv1alpha1.GameStatefulSet{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, set); err != nil {
		return nil, err
	}
	return set, nil
}

func (e *env) getCmd() *cobra.Command {
	var output, selector string
	var all, watch bool
	cmd := &cobra.Command{
		Use:   "get [NAME]",
		Short: "List GameStatefulSets with their rollout, canary step and held pods",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := e.client()
			if err != nil {
				return err
			}
			if all {
				ns = ""
			}
			last := ""
			for {
				out, err := e.renderGet(cmd.Context(), c, ns, args, selector, output)
				if err != nil {
					return err
				}
				if out != last {
					e.printf("%s", out)
					last = out
				}
				if !watch {
					return nil
				}
				time.Sleep(2 * time.Second)
			}
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "json, yaml, name or wide")
	cmd.Flags().StringVarP(&selector, "selector", "l", "", "label selector")
	cmd.Flags().BoolVarP(&all, "all-namespaces", "A", false, "list in every namespace")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "print again when something changes")
	return cmd
}

func (e *env) renderGet(ctx context.Context, c client.Client, ns string, args []string, selector, output string) (string, error) {
	var sets []gstsv1alpha1.GameStatefulSet
	if len(args) == 1 {
		set, err := e.getSet(ctx, c, ns, args[0])
		if err != nil {
			return "", err
		}
		sets = append(sets, *set)
	} else {
		sel, err := labels.Parse(selector)
		if err != nil {
			return "", err
		}
		var list gstsv1alpha1.GameStatefulSetList
		if err := c.List(ctx, &list, client.InNamespace(ns), client.MatchingLabelsSelector{Selector: sel}); err != nil {
			return "", err
		}
		sets = list.Items
	}
	switch output {
	case "json", "yaml":
		var obj any = &gstsv1alpha1.GameStatefulSetList{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}, Items: sets}
		if len(args) == 1 {
			sets[0].APIVersion, sets[0].Kind = gstsv1alpha1.GroupVersion.String(), identity.Kind
			obj = &sets[0]
		}
		raw, err := json.MarshalIndent(obj, "", "    ")
		if err != nil {
			return "", err
		}
		if output == "yaml" {
			raw, err = yaml.JSONToYAML(raw)
			if err != nil {
				return "", err
			}
		}
		return strings.TrimRight(string(raw), "\n") + "\n", nil
	case "name":
		var b strings.Builder
		for _, s := range sets {
			fmt.Fprintf(&b, "gamestatefulset.tkex.tencent.com/%s\n", s.Name)
		}
		return b.String(), nil
	case "", "wide":
	default:
		return "", fmt.Errorf("unknown output format %q: json, yaml, name or wide", output)
	}
	if len(sets) == 0 {
		return "No resources found\n", nil
	}
	columns := cli.Columns
	if output == "wide" {
		columns = append(append([]string(nil), columns...), cli.WideColumns...)
	}
	if ns == "" {
		columns = append([]string{"NAMESPACE"}, columns...)
	}
	var rows [][]string
	for i := range sets {
		row := cli.Row(&sets[i], output == "wide", time.Now())
		if ns == "" {
			row = append([]string{sets[i].Namespace}, row...)
		}
		rows = append(rows, row)
	}
	return cli.Table(columns, rows), nil
}

func (e *env) describeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "describe NAME",
		Short: "Show a GameStatefulSet: strategy, conditions, revisions, one line per ordinal, events",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, ns, err := e.client()
			if err != nil {
				return err
			}
			set, err := e.getSet(ctx, c, ns, args[0])
			if err != nil {
				return err
			}
			pods, err := podsOf(ctx, c, set)
			if err != nil {
				return err
			}
			revisions, err := revisionsOf(ctx, c, set)
			if err != nil {
				return err
			}
			var events corev1.EventList
			if err := c.List(ctx, &events, client.InNamespace(ns)); err != nil {
				return err
			}
			e.printf("%s", describe(set, pods, revisions, events.Items, time.Now()))
			return nil
		},
	}
}

func podsOf(ctx context.Context, c client.Client, set *gstsv1alpha1.GameStatefulSet) (map[int32]*corev1.Pod, error) {
	var list corev1.PodList
	if err := c.List(ctx, &list, client.InNamespace(set.Namespace), client.MatchingLabels{identity.SetNameLabel: set.Name}); err != nil {
		return nil, err
	}
	pods := map[int32]*corev1.Pod{}
	for i := range list.Items {
		if ord, ok := identity.OrdinalOf(set, list.Items[i].Name); ok && identity.IsControlledBy(&list.Items[i], set) {
			pods[ord] = &list.Items[i]
		}
	}
	return pods, nil
}

func revisionsOf(ctx context.Context, c client.Client, set *gstsv1alpha1.GameStatefulSet) ([]*appsv1.ControllerRevision, error) {
	var list appsv1.ControllerRevisionList
	if err := c.List(ctx, &list, client.InNamespace(set.Namespace), client.MatchingLabels{identity.SetNameLabel: set.Name}); err != nil {
		return nil, err
	}
	var out []*appsv1.ControllerRevision
	for i := range list.Items {
		if identity.IsControlledBy(&list.Items[i], set) {
			out = append(out, &list.Items[i])
		}
	}
	return out, nil
}

func describe(set *gstsv1alpha1.GameStatefulSet, pods map[int32]*corev1.Pod, revisions []*appsv1.ControllerRevision, events []corev1.Event, now time.Time) string {
	var b strings.Builder
	s := set.Spec.UpdateStrategy
	fmt.Fprintf(&b, "Name:                 %s\nNamespace:            %s\n", set.Name, set.Namespace)
	fmt.Fprintf(&b, "Replicas:             %d desired | %d total | %d ready | %d current | %d updated\n",
		identity.Replicas(set), set.Status.Replicas, set.Status.ReadyReplicas, set.Status.CurrentReplicas, set.Status.UpdatedReplicas)
	fmt.Fprintf(&b, "Pod Management:       %s\n", set.Spec.PodManagementPolicy)
	fmt.Fprintf(&b, "Update Strategy:      %s (partition %s, maxUnavailable %d, maxSurge %d, paused %t)\n",
		s.Type, cli.Partition(set), planner.MaxUnavailable(set), planner.MaxSurge(set), s.Paused)
	if s.InPlaceUpdateStrategy != nil {
		fmt.Fprintf(&b, "In-place:             gracePeriodSeconds %d, policy %s\n", s.InPlaceUpdateStrategy.GracePeriodSeconds, orDefault(string(s.InPlaceUpdateStrategy.Policy), "DisOrdered"))
	}
	if steps := s.CanaryStrategy.StepsOrNil(); len(steps) > 0 {
		fmt.Fprintf(&b, "Canary:               step %s", cli.Step(set))
		for _, p := range set.Status.PauseConditions {
			fmt.Fprintf(&b, ", %s since %s", p.Reason, p.StartTime.Format(time.RFC3339))
		}
		b.WriteString("\n")
	}
	for _, h := range []struct {
		name string
		step *gstsv1alpha1.HookStep
	}{{"Pre-delete Hook", set.Spec.PreDeleteUpdateStrategy.Hook}, {"Pre-inplace Hook", set.Spec.PreInplaceUpdateStrategy.Hook},
		{"Post-inplace Hook", set.Spec.PostInplaceUpdateStrategy.Hook}} {
		if h.step != nil {
			fmt.Fprintf(&b, "%-22s%s\n", h.name+":", h.step.TemplateName)
		}
	}
	if len(set.Spec.ReserveOrders) > 0 {
		var r []string
		for _, o := range set.Spec.ReserveOrders {
			r = append(r, o.String())
		}
		fmt.Fprintf(&b, "Reserved Ordinals:    %s\n", strings.Join(r, ","))
	}
	fmt.Fprintf(&b, "Revisions:            current %s, update %s\n", set.Status.CurrentRevision, set.Status.UpdateRevision)
	b.WriteString("Conditions:\n")
	for _, c := range set.Status.Conditions {
		fmt.Fprintf(&b, "  %-15s %-6s %-22s %s\n", c.Type, c.Status, c.Reason, c.Message)
	}
	b.WriteString("Pods:\n")
	ordinals := identity.Ordinals(set)
	seen := map[int32]bool{}
	for _, ord := range ordinals {
		seen[ord] = true
	}
	for ord := range pods {
		if !seen[ord] {
			ordinals = append(ordinals, ord)
		}
	}
	sort.Slice(ordinals, func(i, j int) bool { return ordinals[i] < ordinals[j] })
	var rows [][]string
	for _, ord := range ordinals {
		rows = append(rows, cli.PodLine(set, ord, pods[ord]))
	}
	for _, line := range strings.Split(strings.TrimRight(cli.Table(cli.PodColumns, rows), "\n"), "\n") {
		b.WriteString("  " + line + "\n")
	}
	if history, err := cli.History(set, revisions, revision.Template); err == nil {
		b.WriteString("History:\n")
		for _, h := range history {
			fmt.Fprintf(&b, "  %d  %s  %s\n", h.Number, h.Name, h.Images)
		}
	}
	b.WriteString("Events:\n")
	var mine []corev1.Event
	for _, ev := range events {
		if ev.InvolvedObject.Kind == identity.Kind && ev.InvolvedObject.Name == set.Name {
			mine = append(mine, ev)
		}
	}
	sort.Slice(mine, func(i, j int) bool { return eventTime(mine[i]).Before(eventTime(mine[j])) })
	if len(mine) > 20 {
		mine = mine[len(mine)-20:]
	}
	for _, ev := range mine {
		msg := ev.Message
		fmt.Fprintf(&b, "  %-8s %-24s %-6s %s\n", ev.Type, ev.Reason, cli.Age(eventTime(ev), now), msg)
	}
	return b.String()
}

func eventTime(ev corev1.Event) time.Time {
	switch {
	case !ev.EventTime.IsZero():
		return ev.EventTime.Time
	case !ev.LastTimestamp.IsZero():
		return ev.LastTimestamp.Time
	}
	return ev.CreationTimestamp.Time
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (e *env) scaleCmd() *cobra.Command {
	var replicas, current int32
	var pods []string
	cmd := &cobra.Command{
		Use:   "scale NAME --replicas=N [--current-replicas=M] [--pods=a,b]",
		Short: "Scale through the scale subresource; --pods removes those game servers and no others",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			c, ns, err := e.client()
			if err != nil {
				return err
			}
			set, err := e.getSet(ctx, c, ns, args[0])
			if err != nil {
				return err
			}
			scale := &autoscalingv1.Scale{}
			if err := c.SubResource("scale").Get(ctx, set, scale); err != nil {
				return err
			}
			if cmd.Flags().Changed("current-replicas") && scale.Spec.Replicas != current {
				return fmt.Errorf("expected replicas to be %d, was %d", current, scale.Spec.Replicas)
			}
			for _, pod := range pods {
				if err := labelPod(ctx, c, ns, pod, planner.StateLabel, planner.StateWaitToBeDeleted); err != nil {
					return err
				}
			}
			scale.Spec.Replicas = replicas
			// the resourceVersion read above makes --current-replicas a precondition, not a race
			if err := c.SubResource("scale").Update(ctx, set, client.WithSubResourceBody(scale)); err != nil {
				return err
			}
			e.printf("gamestatefulset.tkex.tencent.com/%s scaled\n", set.Name)
			return nil
		},
	}
	cmd.Flags().Int32Var(&replicas, "replicas", 0, "the new number of replicas")
	cmd.Flags().Int32Var(&current, "current-replicas", 0, "scale only when the set has this many replicas now")
	cmd.Flags().StringSliceVar(&pods, "pods", nil, "the game servers to remove (labelled WaitToBeDeleted), by pod name")
	_ = cmd.MarkFlagRequired("replicas")
	return cmd
}

func labelPod(ctx context.Context, c client.Client, ns, name, key, value string) error {
	pod := &corev1.Pod{}
	if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, pod); err != nil {
		return err
	}
	patch := client.MergeFrom(pod.DeepCopy())
	if pod.Labels == nil {
		pod.Labels = map[string]string{}
	}
	pod.Labels[key] = value
	return c.Patch(ctx, pod, patch)
}

// update applies mutate to the named set in the current namespace, writes it, and says done.
func (e *env) update(ctx context.Context, name, done string, mutate func(*gstsv1alpha1.GameStatefulSet) error) error {
	c, ns, err := e.client()
	if err != nil {
		return err
	}
	if err := patchSet(ctx, c, ns, name, mutate); err != nil {
		return err
	}
	e.printf("gamestatefulset.tkex.tencent.com/%s %s\n", name, done)
	return nil
}

// patchSet applies mutate to the set and writes it, retrying on conflicts.
func patchSet(ctx context.Context, c client.Client, ns, name string, mutate func(*gstsv1alpha1.GameStatefulSet) error) error {
	for range 5 {
		set := &gstsv1alpha1.GameStatefulSet{}
		if err := c.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, set); err != nil {
			return err
		}
		if err := mutate(set); err != nil {
			return err
		}
		err := c.Update(ctx, set)
		if !apierrors.IsConflict(err) {
			return err
		}
	}
	return fmt.Errorf("gamestatefulset %s kept changing; try again", name)
}

func (e *env) setCmd() *cobra.Command {
	set := &cobra.Command{Use: "set", Short: "Set the image or the partition of a GameStatefulSet"}
	set.AddCommand(&cobra.Command{
		Use:   "image NAME CONTAINER=IMAGE ...",
		Short: "Set container (and init container) images",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			images := map[string]string{}
			for _, a := range args[1:] {
				k, v, ok := strings.Cut(a, "=")
				if !ok || k == "" || v == "" {
					return fmt.Errorf("%q is not CONTAINER=IMAGE", a)
				}
				images[k] = v
			}
			return e.update(cmd.Context(), args[0], "image updated", func(s *gstsv1alpha1.GameStatefulSet) error {
				found := map[string]bool{}
				for _, list := range [][]corev1.Container{s.Spec.Template.Spec.Containers, s.Spec.Template.Spec.InitContainers} {
					for i := range list {
						if img, ok := images[list[i].Name]; ok {
							list[i].Image, found[list[i].Name] = img, true
						}
					}
				}
				for k := range images {
					if !found[k] {
						return fmt.Errorf("no container %q in gamestatefulset %s", k, s.Name)
					}
				}
				return nil
			})
		},
	})
	set.AddCommand(&cobra.Command{
		Use:   "partition NAME N|P%",
		Short: "Set rollingUpdate.partition",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := intstr.Parse(args[1])
			return e.update(cmd.Context(), args[0], "partition set to "+p.String(), func(s *gstsv1alpha1.GameStatefulSet) error {
				if s.Spec.UpdateStrategy.RollingUpdate == nil {
					s.Spec.UpdateStrategy.RollingUpdate = &gstsv1alpha1.RollingUpdateStatefulSetStrategy{}
				}
				s.Spec.UpdateStrategy.RollingUpdate.Partition = &p
				return nil
			})
		},
	})
	return set
}

func (e *env) rolloutCmd() *cobra.Command {
	rollout := &cobra.Command{Use: "rollout", Short: "Status, history, undo, pause, resume and restart of a GameStatefulSet's rollout"}
	var timeout time.Duration
	var watch bool
	status := &cobra.Command{
		Use:   "status NAME",
		Short: "Wait until the update is done (or its partition reached); non-zero on timeout",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := e.client()
			if err != nil {
				return err
			}
			deadline := time.Now().Add(timeout)
			last := ""
			for {
				set, err := e.getSet(cmd.Context(), c, ns, args[0])
				if err != nil {
					return err
				}
				done, msg := cli.Rollout(set)
				if msg != last {
					e.printf("%s\n", msg)
					last = msg
				}
				if done {
					return nil
				}
				if !watch {
					return errors.New("the rollout is not done")
				}
				if timeout > 0 && time.Now().After(deadline) {
					return fmt.Errorf("timed out after %s waiting for the rollout of %s", timeout, args[0])
				}
				time.Sleep(time.Second)
			}
		},
	}
	status.Flags().DurationVar(&timeout, "timeout", 0, "give up after this long (0: wait forever)")
	status.Flags().BoolVarP(&watch, "watch", "w", true, "wait until the rollout is done")
	var revisionNumber, toRevision int64
	history := &cobra.Command{
		Use:   "history NAME [--revision=N]",
		Short: "List the revisions, or show one's pod template",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			entries, err := e.history(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if revisionNumber != 0 {
				for _, h := range entries {
					if h.Number == revisionNumber {
						raw, err := yaml.Marshal(h.Template)
						if err != nil {
							return err
						}
						e.printf("revision %d (%s):\n%s", h.Number, h.Name, raw)
						return nil
					}
				}
				return fmt.Errorf("revision %d not found", revisionNumber)
			}
			var rows [][]string
			for _, h := range entries {
				mark := ""
				if h.Current {
					mark = "current"
				}
				if h.Update {
					mark = strings.TrimPrefix(mark+",update", ",")
				}
				rows = append(rows, []string{fmt.Sprint(h.Number), h.Name, h.Images, orDefault(mark, "-"), orDefault(h.Cause, "<none>")})
			}
			e.printf("%s", cli.Table([]string{"REVISION", "NAME", "IMAGES", "STATE", "CHANGE-CAUSE"}, rows))
			return nil
		},
	}
	history.Flags().Int64Var(&revisionNumber, "revision", 0, "show the pod template of this revision")
	undo := &cobra.Command{
		Use:   "undo NAME [--to-revision=N]",
		Short: "Go back to the previous revision's pod template, or to revision N's",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			entries, err := e.history(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			target, err := cli.UndoTarget(entries, toRevision)
			if err != nil {
				return err
			}
			return e.update(cmd.Context(), args[0], fmt.Sprintf("rolled back to revision %d (%s)", target.Number, target.Name),
				func(s *gstsv1alpha1.GameStatefulSet) error {
					s.Spec.Template = *target.Template
					return nil
				})
		},
	}
	undo.Flags().Int64Var(&toRevision, "to-revision", 0, "the revision to go back to (0: the previous one)")
	paused := func(use, short string, value bool) *cobra.Command {
		return &cobra.Command{
			Use: use + " NAME", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return e.update(cmd.Context(), args[0], use+"d", func(s *gstsv1alpha1.GameStatefulSet) error {
					s.Spec.UpdateStrategy.Paused = value
					return nil
				})
			},
		}
	}
	restart := &cobra.Command{
		Use:   "restart NAME",
		Short: "Restart every pod: a new revision that every strategy rolls out by recreation, within partition and maxUnavailable",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.update(cmd.Context(), args[0], "restarted", func(s *gstsv1alpha1.GameStatefulSet) error {
				if s.Spec.Template.Annotations == nil {
					s.Spec.Template.Annotations = map[string]string{}
				}
				s.Spec.Template.Annotations[cli.RestartedAtAnnotation] = time.Now().UTC().Format(time.RFC3339)
				return nil
			})
		},
	}
	rollout.AddCommand(status, history, undo, paused("pause", "Pause updates of existing pods", true),
		paused("resume", "Resume updates (and a canary pause step)", false), restart)
	return rollout
}

func (e *env) history(ctx context.Context, name string) ([]cli.HistoryEntry, error) {
	c, ns, err := e.client()
	if err != nil {
		return nil, err
	}
	set, err := e.getSet(ctx, c, ns, name)
	if err != nil {
		return nil, err
	}
	revisions, err := revisionsOf(ctx, c, set)
	if err != nil {
		return nil, err
	}
	return cli.History(set, revisions, revision.Template)
}

func (e *env) execCmd() *cobra.Command {
	var ordinal int32
	var container string
	cmd := &cobra.Command{
		Use:   "exec NAME --ordinal=N [-c CONTAINER] -- COMMAND [ARGS...]",
		Short: "Run a command in the game server of an ordinal, through kubectl exec",
		Args:  cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, ns, err := e.client()
			if err != nil {
				return err
			}
			set, err := e.getSet(cmd.Context(), c, ns, args[0])
			if err != nil {
				return err
			}
			kubectlArgs := []string{"exec", "-n", ns, identity.PodName(set, ordinal)}
			if e.flags.KubeConfig != nil && *e.flags.KubeConfig != "" {
				kubectlArgs = append(kubectlArgs, "--kubeconfig", *e.flags.KubeConfig)
			}
			if e.flags.Context != nil && *e.flags.Context != "" {
				kubectlArgs = append(kubectlArgs, "--context", *e.flags.Context)
			}
			if container != "" {
				kubectlArgs = append(kubectlArgs, "-c", container)
			}
			kubectlArgs = append(append(kubectlArgs, "--"), args[1:]...)
			run := exec.CommandContext(cmd.Context(), kubectlBinary(), kubectlArgs...)
			run.Stdin, run.Stdout, run.Stderr = e.streams.In, e.streams.Out, e.streams.ErrOut
			return run.Run()
		},
	}
	cmd.Flags().Int32Var(&ordinal, "ordinal", 0, "the ordinal of the pod")
	cmd.Flags().StringVarP(&container, "container", "c", "", "the container")
	return cmd
}

// kubectlBinary is $KUBECTL, or the kubectl on PATH: the one that runs this plugin.
func kubectlBinary() string {
	if k := os.Getenv("KUBECTL"); k != "" {
		return k
	}
	return "kubectl"
}

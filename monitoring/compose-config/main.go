// compose-config loads a Compose file the way `docker compose config` does, with compose-go (the
// loader Docker Compose itself uses: schema validation, interpolation, normalisation, profiles),
// for machines with a docker client but no compose plugin, or no docker at all. It prints the
// project as `docker compose config --format json` does, or the enabled services' names.
//
//	compose-config [-f docker-compose.yml] [-profile a,b] [-services]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	file := flag.String("f", "docker-compose.yml", "the Compose file")
	profiles := flag.String("profile", "", "profiles to enable, comma-separated")
	services := flag.Bool("services", false, "print the enabled services' names, one per line")
	flag.Parse()

	var enabled []string
	if *profiles != "" {
		enabled = strings.Split(*profiles, ",")
	}
	opts, err := cli.NewProjectOptions([]string{*file},
		cli.WithOsEnv, cli.WithDotEnv, cli.WithWorkingDirectory("."), cli.WithProfiles(enabled),
		cli.WithConsistency(true), cli.WithResolvedPaths(true), cli.WithNormalization(true), cli.WithInterpolation(true))
	if err != nil {
		fail(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	if *services {
		for _, name := range project.ServiceNames() {
			fmt.Println(name)
		}
		return
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
	fmt.Println()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

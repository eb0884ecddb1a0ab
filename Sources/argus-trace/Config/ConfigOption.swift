import ArgumentParser

/// `--config FILE`: read by `ConfigArguments` before parsing; declared here so every command
/// accepts it and --help lists it.
struct ConfigOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Take options from this YAML file (keys are the long option names: 'interval: 1', 'alert: [...]'); "
                + "the command line overrides it. Default: /etc/argus-trace/config.yaml, then "
                + "~/.config/argus-trace/config.yaml.", valueName: "file"))
    var config: String?
}

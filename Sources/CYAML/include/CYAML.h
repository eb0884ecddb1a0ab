// libyaml, opened with dlopen(3) the first time a config file is read (--config, `config check`),
// not linked: most starts read none, and a linked libyaml is mapped and bound at every one.
// Only libyaml's types and constants come from its header; every call goes through the
// functions below, which call the symbols CYAML_load resolved.
#ifndef ARGUS_CYAML_H
#define ARGUS_CYAML_H

#include <yaml.h>

/// The shared object opened: Debian's libyaml-0-2 (libyaml-dev depends on it).
#define CYAML_SONAME "libyaml-0.so.2"

/// Opens libyaml and resolves what the functions below call, once per process (later calls
/// return the first call's answer). NULL when it is ready, else why not, in dlerror's words.
const char *CYAML_load(void);

// Each calls the libyaml function of the same name (yaml_ prefix); CYAML_load must have returned NULL.
int CYAML_parser_initialize(yaml_parser_t *parser);
void CYAML_parser_delete(yaml_parser_t *parser);
void CYAML_parser_set_encoding(yaml_parser_t *parser, yaml_encoding_t encoding);
void CYAML_parser_set_input_string(yaml_parser_t *parser, const unsigned char *input, size_t size);
int CYAML_parser_parse(yaml_parser_t *parser, yaml_event_t *event);
void CYAML_event_delete(yaml_event_t *event);

#endif

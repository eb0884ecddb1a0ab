#include "CYAML.h"

#include "argus_library.h"

enum { PARSER_INITIALIZE, PARSER_DELETE, PARSER_SET_ENCODING, PARSER_SET_INPUT_STRING, PARSER_PARSE, EVENT_DELETE,
    SYMBOL_COUNT };

static const char *const names[SYMBOL_COUNT] = {
    [PARSER_INITIALIZE] = "yaml_parser_initialize", [PARSER_DELETE] = "yaml_parser_delete",
    [PARSER_SET_ENCODING] = "yaml_parser_set_encoding", [PARSER_SET_INPUT_STRING] = "yaml_parser_set_input_string",
    [PARSER_PARSE] = "yaml_parser_parse", [EVENT_DELETE] = "yaml_event_delete",
};

static void *symbols[SYMBOL_COUNT];
static struct argus_library library = ARGUS_LIBRARY(CYAML_SONAME, names, symbols);

const char *CYAML_load(void) { return argus_library_open(&library); }

// Each symbol as the type yaml.h gives its function.
#define CALL(symbol, type) ((type)symbols[symbol])

int CYAML_parser_initialize(yaml_parser_t *parser) {
    return CALL(PARSER_INITIALIZE, int (*)(yaml_parser_t *))(parser);
}

void CYAML_parser_delete(yaml_parser_t *parser) { CALL(PARSER_DELETE, void (*)(yaml_parser_t *))(parser); }

void CYAML_parser_set_encoding(yaml_parser_t *parser, yaml_encoding_t encoding) {
    CALL(PARSER_SET_ENCODING, void (*)(yaml_parser_t *, yaml_encoding_t))(parser, encoding);
}

void CYAML_parser_set_input_string(yaml_parser_t *parser, const unsigned char *input, size_t size) {
    CALL(PARSER_SET_INPUT_STRING, void (*)(yaml_parser_t *, const unsigned char *, size_t))(parser, input, size);
}

int CYAML_parser_parse(yaml_parser_t *parser, yaml_event_t *event) {
    return CALL(PARSER_PARSE, int (*)(yaml_parser_t *, yaml_event_t *))(parser, event);
}

void CYAML_event_delete(yaml_event_t *event) { CALL(EVENT_DELETE, void (*)(yaml_event_t *))(event); }

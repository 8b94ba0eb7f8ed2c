#include "lib/cmdline.h"
#include "arch/format.h"

#include <string.h>

static int is_blank(char c) { return c == ' ' || c == '\t'; }

/* Cuts the next word out of *p (removing quotes); NULL at the end. Sets
 * *separator when the word is ";" or ends with one. */
static char *next_word(char **p, int *separator, int *bad_quote)
{
    char *s = *p;
    *separator = 0;
    while (is_blank(*s))
        s++;
    if (*s == '\0')
        return NULL;
    if (*s == ';') {
        *separator = 1;
        *p = s + 1;
        return s;   /* the caller ignores the word itself */
    }
    char *word = s, *out = s;
    int quoted = 0;
    for (; *s && (quoted || (!is_blank(*s) && *s != ';')); s++) {
        if (*s == '"')
            quoted = !quoted;
        else
            *out++ = *s;
    }
    if (quoted)
        *bad_quote = 1;
    if (*s == ';')
        *separator = 2;   /* "word;": the word, then a separator */
    if (*s)
        s++;
    *out = '\0';
    *p = s;
    return word;
}

int cmdline_parse(char *buf, struct command_line *out, char *err, unsigned err_size)
{
    memset(out, 0, sizeof(*out));
    char *p = buf;
    int sep, bad_quote = 0, in_app = 0;
    char *w;
    while ((w = next_word(&p, &sep, &bad_quote)) != NULL) {
        if (sep == 1) {
            in_app = 0;
            continue;
        }
        if (!in_app && out->count == 0 && w[0] == '-' && w[1] == '-') {
            if (out->option_count == CMDLINE_MAX_OPTIONS) {
                fmt_snprintf(err, err_size, "more than %d runtime options", CMDLINE_MAX_OPTIONS);
                return -1;
            }
            out->options[out->option_count++] = w;
            continue;
        }
        if (!in_app) {
            if (out->count == CMDLINE_MAX_INVOCATIONS) {
                fmt_snprintf(err, err_size, "more than %d apps", CMDLINE_MAX_INVOCATIONS);
                return -1;
            }
            out->count++;
            in_app = 1;
        }
        struct invocation *inv = &out->apps[out->count - 1];
        if (inv->argc == CMDLINE_MAX_ARGS) {
            fmt_snprintf(err, err_size, "app %s: more than %d arguments", inv->argv[0], CMDLINE_MAX_ARGS);
            return -1;
        }
        inv->argv[inv->argc++] = w;
        if (sep == 2)
            in_app = 0;
    }
    if (bad_quote) {
        fmt_snprintf(err, err_size, "unbalanced double quote");
        return -1;
    }
    return 0;
}

/* The runtime reads a few options before the apps run (--hvsim picks the
 * platform): parse a copy, as the full parse later cuts the real one. */
int cmdline_has_option(const char *cmdline, const char *option)
{
    static char copy[1024];
    static struct command_line parsed;
    char err[8];
    strncpy(copy, cmdline, sizeof(copy) - 1);
    copy[sizeof(copy) - 1] = '\0';
    cmdline_parse(copy, &parsed, err, sizeof(err));   /* the options found before an error still count */
    for (int i = 0; i < parsed.option_count; i++)
        if (strcmp(parsed.options[i], option) == 0)
            return 1;
    return 0;
}

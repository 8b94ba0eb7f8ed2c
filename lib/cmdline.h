/* The command line: runtime options first (words starting with "--"),
 * then one or more app invocations separated by ";":
 *     --debug-exit hello ; memtest 16
 * Words may be quoted with double quotes to hold blanks. Pure code. */
#ifndef HVRT_LIB_CMDLINE_H
#define HVRT_LIB_CMDLINE_H

#define CMDLINE_MAX_INVOCATIONS 16
#define CMDLINE_MAX_ARGS 32
#define CMDLINE_MAX_OPTIONS 16

struct invocation {
    int argc;
    char *argv[CMDLINE_MAX_ARGS + 1];   /* argv[0] is the app's name; NULL-terminated */
};

struct command_line {
    int option_count;
    char *options[CMDLINE_MAX_OPTIONS];  /* as written, e.g. "--debug-exit" */
    int count;
    struct invocation apps[CMDLINE_MAX_INVOCATIONS];
};

/* Splits buf in place. Returns 0, or -1 with a message in err. */
int cmdline_parse(char *buf, struct command_line *out, char *err, unsigned err_size);

/* 1 if option (e.g. "--hvsim") is among the runtime options of cmdline,
 * which is left as it was. */
int cmdline_has_option(const char *cmdline, const char *option);

#endif

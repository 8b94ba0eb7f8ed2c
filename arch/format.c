#include "arch/format.h"

#include <stdint.h>

struct out {
    char *buf;
    size_t size, len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, int left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

static size_t digits(char *tmp, uint64_t v, unsigned base, int upper)
{
    const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    do {
        tmp[n++] = set[v % base];
        v /= base;
    } while (v != 0);
    for (size_t i = 0; i < n / 2; i++) {
        char t = tmp[i];
        tmp[i] = tmp[n - 1 - i];
        tmp[n - 1 - i] = t;
    }
    return n;
}

static void put_number(struct out *o, uint64_t v, int negative, unsigned base, int upper,
                       int width, int left, int zero, const char *prefix)
{
    char tmp[24];
    size_t n = digits(tmp, v, base, upper);
    size_t pre = 0;
    char head[4];
    if (negative)
        head[pre++] = '-';
    for (const char *p = prefix; *p; p++)
        head[pre++] = *p;
    int fill = width > (int)(n + pre) ? width - (int)(n + pre) : 0;
    if (!left && !zero)
        while (fill-- > 0)
            put(o, ' ');
    for (size_t i = 0; i < pre; i++)
        put(o, head[i]);
    if (!left && zero)
        while (fill-- > 0)
            put(o, '0');
    for (size_t i = 0; i < n; i++)
        put(o, tmp[i]);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        int left = 0, zero = 0, width = 0, precision = -1, longness = 0;
        for (;; p++) {
            if (*p == '-')
                left = 1;
            else if (*p == '0')
                zero = 1;
            else
                break;
        }
        if (*p == '*') {
            width = va_arg(ap, int);
            p++;
        } else {
            while (*p >= '0' && *p <= '9')
                width = width * 10 + (*p++ - '0');
        }
        if (*p == '.') {
            p++;
            precision = 0;
            if (*p == '*') {
                precision = va_arg(ap, int);
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    precision = precision * 10 + (*p++ - '0');
            }
        }
        while (*p == 'l' || *p == 'z') {
            longness++;
            p++;
        }
        switch (*p) {
        case '%':
            put(&o, '%');
            break;
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &c, 1, width, left, ' ');
            break;
        }
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL)
                s = "(null)";
            size_t n = 0;
            while (s[n] && (precision < 0 || n < (size_t)precision))
                n++;
            put_padded(&o, s, n, width, left, ' ');
            break;
        }
        case 'd':
        case 'i': {
            int64_t v = longness ? va_arg(ap, int64_t) : va_arg(ap, int);
            uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            put_number(&o, mag, v < 0, 10, 0, width, left, zero, "");
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longness ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_number(&o, v, 0, *p == 'u' ? 10 : 16, *p == 'X', width, left, zero, "");
            break;
        }
        case 'p':
            put_number(&o, (uint64_t)(uintptr_t)va_arg(ap, void *), 0, 16, 0, width, left, zero, "0x");
            break;
        case '\0':
            p--;   /* a lone '%' at the end: print nothing more */
            break;
        default:   /* unknown conversion: show it as written */
            put(&o, '%');
            put(&o, *p);
            break;
        }
    }
    if (size > 0)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = fmt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

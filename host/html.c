/* html.c -- HTML escaping and inline SVG plots (see html.h). */
#include "html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { ML = 62, MR = 16, MT = 30, MB = 54 };   /* margins: room for tick labels and titles */

void grs_html_text(grs_out_t *o, const char *s)
{
    if (!s) return;
    for (; *s; s++) {
        switch (*s) {
        case '&': grs_out_printf(o, "&amp;"); break;
        case '<': grs_out_printf(o, "&lt;"); break;
        case '>': grs_out_printf(o, "&gt;"); break;
        case '"': grs_out_printf(o, "&quot;"); break;
        default:
            if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t') grs_out_printf(o, "?");
            else grs_out_write(o, s, 1);
        }
    }
}

const char *grs_plot_color(int i)
{
    static const char *const pal[] = { "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00",
                                       "#56B4E9", "#000000", "#F0E442" };
    return pal[(i % 8 + 8) % 8];
}

static double px(const grs_plot_t *p, double x)
{
    double x0 = p->x0, x1 = p->x1;
    if (!(x1 > x0)) x1 = x0 + 1;
    return ML + (x - x0) / (x1 - x0) * (p->w - ML - MR);
}

static double py(const grs_plot_t *p, double y)
{
    double y0 = p->y0, y1 = p->y1;
    if (!(y1 > y0)) y1 = y0 + 1;
    return p->h - MB - (y - y0) / (y1 - y0) * (p->h - MT - MB);
}

/* a "nice" tick step giving about n ticks over [a, b] */
static double nice_step(double a, double b, int n)
{
    double r = (b - a) / n;
    if (!(r > 0)) return 1;
    double e = pow(10, floor(log10(r))), f = r / e;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * e;
}

static void fmt_tick(char *buf, size_t n, double v)
{
    if (fabs(v) < 1e-12) v = 0;
    snprintf(buf, n, "%g", v);
}

void grs_plot_begin(grs_out_t *o, const grs_plot_t *p, const char *title, const char *xlab,
                    const char *ylab)
{
    char buf[64];
    grs_out_printf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"%d\" height=\"%d\" "
                      "viewBox=\"0 0 %d %d\" role=\"img\"><title>", p->w, p->h, p->w, p->h);
    grs_html_text(o, title);
    grs_out_printf(o, "</title>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fff\" stroke=\"#888\"/>\n",
                   ML, MT, p->w - ML - MR, p->h - MT - MB);
    grs_out_printf(o, "<text x=\"%d\" y=\"18\" class=\"pt\">", ML);
    grs_html_text(o, title);
    grs_out_printf(o, "</text>\n");
    /* x ticks */
    if (p->xcat) {
        for (int i = 0; i < p->n_xcat; i++)
            if (p->n_xcat <= 12 || i % ((p->n_xcat + 11) / 12) == 0) {
                if (p->n_xcat > 5)        /* long labels side by side: slanted */
                    grs_out_printf(o, "<text transform=\"translate(%.1f,%d) rotate(-25)\" class=\"tk\" "
                                      "text-anchor=\"end\">", px(p, i) + 3, p->h - MB + 12);
                else
                    grs_out_printf(o, "<text x=\"%.1f\" y=\"%d\" class=\"tk\" text-anchor=\"middle\">",
                                   px(p, i), p->h - MB + 14);
                grs_html_text(o, p->xcat[i]);
                grs_out_printf(o, "</text>\n");
            }
    } else {
        double s = nice_step(p->x0, p->x1, 6);
        for (double t = ceil(p->x0 / s) * s; t <= p->x1 + 1e-9 * s; t += s) {
            fmt_tick(buf, sizeof(buf), t);
            grs_out_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#e6e6e6\"/>"
                              "<text x=\"%.1f\" y=\"%d\" class=\"tk\" text-anchor=\"middle\">%s</text>\n",
                           px(p, t), px(p, t), MT, p->h - MB, px(p, t), p->h - MB + 14, buf);
        }
    }
    /* y ticks */
    double s = nice_step(p->y0, p->y1, 5);
    if (p->ylog) {
        /* ticks at OR-like values: 0.25, 0.5, 1, 2, 4, ... or 1, 10, 100 for wide ranges */
        static const double cand[] = { 0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 4, 5, 10, 20, 50, 100 };
        int n_in = 0;
        for (int i = 0; i < 15; i++) n_in += log(cand[i]) >= p->y0 && log(cand[i]) <= p->y1;
        for (int i = 0; i < 15; i++) {
            double t = log(cand[i]);
            if (t < p->y0 || t > p->y1) continue;
            if (n_in > 7 && cand[i] != 0.01 && cand[i] != 0.1 && cand[i] != 1 && cand[i] != 10 && cand[i] != 100
                && cand[i] != 0.5 && cand[i] != 2 && cand[i] != 5)
                continue;
            fmt_tick(buf, sizeof(buf), cand[i]);
            grs_out_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>"
                              "<text x=\"%d\" y=\"%.1f\" class=\"tk\" text-anchor=\"end\">%s</text>\n",
                           ML, p->w - MR, py(p, t), py(p, t), ML - 4, py(p, t) + 4, buf);
        }
    } else {
        for (double t = ceil(p->y0 / s) * s; t <= p->y1 + 1e-9 * s; t += s) {
            fmt_tick(buf, sizeof(buf), t);
            grs_out_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e6e6\"/>"
                              "<text x=\"%d\" y=\"%.1f\" class=\"tk\" text-anchor=\"end\">%s</text>\n",
                           ML, p->w - MR, py(p, t), py(p, t), ML - 4, py(p, t) + 4, buf);
        }
    }
    grs_out_printf(o, "<text x=\"%d\" y=\"%d\" class=\"al\" text-anchor=\"middle\">", (ML + p->w - MR) / 2, p->h - 6);
    grs_html_text(o, xlab);
    grs_out_printf(o, "</text>\n<text transform=\"translate(14,%d) rotate(-90)\" class=\"al\" text-anchor=\"middle\">",
                   (MT + p->h - MB) / 2);
    grs_html_text(o, ylab);
    grs_out_printf(o, "</text>\n");
}

void grs_plot_end(grs_out_t *o) { grs_out_printf(o, "</svg>\n"); }

void grs_plot_line(grs_out_t *o, const grs_plot_t *p, int n, const double *x, const double *y,
                   const char *color, int dash)
{
    int open = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) {
            if (open) grs_out_printf(o, "\"/>\n");
            open = 0;
            continue;
        }
        if (!open)
            grs_out_printf(o, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.8\"%s points=\"", color,
                           dash ? " stroke-dasharray=\"5,4\"" : "");
        grs_out_printf(o, "%s%.1f,%.1f", open ? " " : "", px(p, x[i]), py(p, y[i]));
        open = 1;
    }
    if (open) grs_out_printf(o, "\"/>\n");
}

void grs_plot_points(grs_out_t *o, const grs_plot_t *p, int n, const double *x, const double *y,
                     const double *lo, const double *hi, const char *color)
{
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i])) continue;
        double X = px(p, x[i]);
        if (lo && hi && isfinite(lo[i]) && isfinite(hi[i])) {
            double a = fmax(p->y0, fmin(p->y1, lo[i])), b = fmax(p->y0, fmin(p->y1, hi[i]));
            grs_out_printf(o, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\"/>"
                              "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                              "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                           X, X, py(p, a), py(p, b), color, X - 4, X + 4, py(p, a), py(p, a), color,
                           X - 4, X + 4, py(p, b), py(p, b), color);
        }
        grs_out_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n", X, py(p, y[i]), color);
    }
}

void grs_plot_hline(grs_out_t *o, const grs_plot_t *p, double y, const char *color)
{
    if (!(y >= p->y0 && y <= p->y1)) return;
    grs_out_printf(o, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-dasharray=\"4,3\"/>\n",
                   ML, p->w - MR, py(p, y), py(p, y), color);
}

void grs_plot_legend(grs_out_t *o, const grs_plot_t *p, int n, const char *const *labels,
                     const char *const *colors)
{
    int x = p->legend_right ? p->w - MR - 92 : ML + 8;
    for (int i = 0; i < n; i++) {
        int y = p->legend_right == 2 ? p->h - MB - 8 - 15 * (n - 1 - i) : MT + 14 + 15 * i;
        grs_out_printf(o, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/>"
                          "<text x=\"%d\" y=\"%d\" class=\"tk\">", x, y - 4, colors[i], x + 16, y);
        grs_html_text(o, labels[i]);
        grs_out_printf(o, "</text>\n");
    }
}

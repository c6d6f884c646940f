/* html.h -- self-contained HTML and inline SVG plots for reports (internal).
 *
 * Everything is written as well-formed XML (XHTML-compatible: self-closed void elements, no
 * named entities besides &amp; &lt; &gt; &quot;), so a test can parse the whole report with an
 * XML parser. No script, no external font, stylesheet or image. */
#ifndef GRS_HOST_HTML_H
#define GRS_HOST_HTML_H

#include "util.h"

/** Write s with &, <, >, " escaped. */
void grs_html_text(grs_out_t *o, const char *s);

/** A plot: data ranges mapped onto a w×h SVG with margins for axes. */
typedef struct {
    double x0, x1, y0, y1;     /* data range                                               */
    int w, h;                  /* SVG size in px                                            */
    int ylog;                  /* y values are log(v); tick labels show exp(tick)          */
    const char *const *xcat;   /* categorical x: labels at x = 0..n_xcat-1 (optional)      */
    int n_xcat;
    int legend_right;          /* legend corner: 0 top-left, 1 top-right, 2 bottom-right   */
} grs_plot_t;

/** The i-th colour of a colour-blind-safe palette (Okabe-Ito), cycling. */
const char *grs_plot_color(int i);
/** Open the <svg> (with role="img" and a <title>), draw the frame, grid, ticks and labels. */
void grs_plot_begin(grs_out_t *o, const grs_plot_t *p, const char *title, const char *xlab,
                    const char *ylab);
void grs_plot_end(grs_out_t *o);
/** Polyline through (x[i], y[i]); NaN points are skipped. dash != 0 draws it dashed. */
void grs_plot_line(grs_out_t *o, const grs_plot_t *p, int n, const double *x, const double *y,
                   const char *color, int dash);
/** Points with vertical error bars [lo, hi] (NaN bars are not drawn). */
void grs_plot_points(grs_out_t *o, const grs_plot_t *p, int n, const double *x, const double *y,
                     const double *lo, const double *hi, const char *color);
/** Horizontal reference line at y. */
void grs_plot_hline(grs_out_t *o, const grs_plot_t *p, double y, const char *color);
/** A legend box in the top-left corner of the plotting area. */
void grs_plot_legend(grs_out_t *o, const grs_plot_t *p, int n, const char *const *labels,
                     const char *const *colors);

#endif

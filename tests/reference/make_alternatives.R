# Reference values for the one-sided and other-level paired tests (alternative =,
# conf.level =), computed in R from the fixtures make_datasets.py writes.
#
# Run from this folder:  Rscript make_alternatives.R   (writes alternatives.json)
# diff = post - pre; t.test and cohens_d are called as f(post, pre, paired = TRUE, ...),
# wilcox.test on round(post - pre, 10), as in make_reference.R.
# Wilcoxon: R's defaults (exact when n < 50 without ties or zeros, else the normal
# approximation with continuity correction); cohens_d: effectsize, paired, one- and
# two-sided intervals at the level given.

suppressPackageStartupMessages({
  library(jsonlite)
  library(effectsize)
})

args_all <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args_all[grepl("^--file=", args_all)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()

out <- list()
for (name in c("paired", "paired_small", "paired_ties")) {
  d <- read.csv(file.path(here, paste0(name, ".csv")))
  cases <- list()
  for (alternative in c("two.sided", "greater", "less")) {
    for (level in c(0.90, 0.95, 0.99)) {
      tt <- t.test(d$post, d$pre, paired = TRUE, alternative = alternative, conf.level = level)
      # The differences rounded to 10 decimals, as in make_reference.R: floating-point
      # noise in post - pre would otherwise split tied |diff| values into distinct ranks.
      w <- suppressWarnings(wilcox.test(round(d$post - d$pre, 10), mu = 0,
                                        alternative = alternative))
      dz <- cohens_d(d$post, d$pre, paired = TRUE, ci = level, alternative = alternative)
      ci <- as.numeric(tt$conf.int)
      cases[[length(cases) + 1]] <- list(
        alternative = alternative,
        confidence = level,
        t = unname(tt$statistic),
        p = tt$p.value,
        # JSON has no infinity: an open end of a one-sided interval is written as null.
        conf_int = lapply(ci, function(x) if (is.finite(x)) x else NULL),
        wilcoxon_V = unname(w$statistic),
        wilcoxon_p = w$p.value,
        d_z = dz$Cohens_d,
        d_z_ci = lapply(c(dz$CI_low, dz$CI_high), function(x) if (is.finite(x)) x else NULL)
      )
    }
  }
  out[[name]] <- cases
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, null = "null", pretty = TRUE),
           file.path(here, "alternatives.json"))

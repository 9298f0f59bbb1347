# Reference values for the per-wave descriptive statistics (impact.describe) and the
# cut-off crossing (impact.crossing), computed in R from long.csv (make_datasets.py).
#
# Run from this folder:  Rscript make_describe.R   (writes describe.json)
#
# wave_summary: per wave n, mean(x), sd(x) and t.test(x, conf.level = level)$conf.int at
#   the levels 0.95 and 0.90; two edge cases from literals: one score (t.test stops with
#   "not enough 'x' observations", sd is NA) and all-equal scores (t.test stops with
#   "data are essentially constant"; sd is 0, so the interval is the mean itself).
# share_below: per wave the count below 50 and prop.test(x, n, correct = FALSE)$conf.int
#   (the Wilson score interval).
# crossing: of those with kickoff <= 50 and a score at the wave, how many are above 50
#   there, with prop.test(x, n, correct = FALSE)$conf.int.

suppressPackageStartupMessages(library(jsonlite))

args_all <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args_all[grepl("^--file=", args_all)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()

long <- read.csv(file.path(here, "long.csv"), stringsAsFactors = FALSE)
waves <- c("kickoff", "milestone-1", "milestone-2", "final")
value <- 50

error_of <- function(expr) tryCatch({ expr; NULL }, error = function(e) conditionMessage(e))

summary_block <- list()
share_block <- list()
crossing_block <- list()
kickoff <- long[long$wave == "kickoff", c("participant", "score")]
for (w in waves) {
  x <- long$score[long$wave == w]
  summary_block[[w]] <- list(
    n = length(x),
    mean = mean(x),
    sd = sd(x),
    conf_int_95 = as.numeric(t.test(x, conf.level = 0.95)$conf.int),
    conf_int_90 = as.numeric(t.test(x, conf.level = 0.90)$conf.int)
  )
  below <- sum(x < value)
  share_block[[w]] <- list(
    n = length(x),
    n_below = below,
    share = below / length(x),
    conf_int = as.numeric(prop.test(below, length(x), correct = FALSE)$conf.int)
  )
  if (w != "kickoff") {
    later <- long[long$wave == w, c("participant", "score")]
    pair <- merge(kickoff, later, by = "participant", suffixes = c("_pre", "_post"))
    low <- pair[pair$score_pre <= value, ]
    crossed <- sum(low$score_post > value)
    crossing_block[[w]] <- list(
      n = nrow(low),
      n_crossed = crossed,
      share = crossed / nrow(low),
      conf_int = as.numeric(prop.test(crossed, nrow(low), correct = FALSE)$conf.int)
    )
  }
}

one <- c(42.5)
equal <- c(3.2, 3.2, 3.2, 3.2)
out <- list(
  file = "long.csv",
  wave_summary = list(
    "function" = "mean(x); sd(x); t.test(x, conf.level = level)$conf.int",
    waves = summary_block,
    one_score = list(x = one, mean = mean(one), sd = NULL, sd_is_na = is.na(sd(one)),
                     error = error_of(t.test(one))),
    all_equal = list(x = equal, mean = mean(equal), sd = sd(equal),
                     error = error_of(t.test(equal)))
  ),
  share_below = list(
    "function" = "prop.test(sum(x < value), length(x), correct = FALSE)$conf.int",
    value = value,
    waves = share_block
  ),
  crossing = list(
    "function" = "prop.test(sum(post > cutoff), n, correct = FALSE)$conf.int of pre <= cutoff",
    cutoff = value,
    baseline = "kickoff",
    waves = crossing_block
  ),
  meta = list(R = R.version.string, jsonlite = as.character(packageVersion("jsonlite")))
)
write(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, null = "null"),
      file.path(here, "describe.json"))

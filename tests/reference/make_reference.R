# Independent reference values for the impact test suite, computed in R.
#
# Run from this folder:  python make_datasets.py && Rscript make_reference.R
# Reads the fixture CSVs written by make_datasets.py and writes reference.json
# (jsonlite, digits = NA -> full double precision, auto_unbox = TRUE).
#
# Conventions used throughout:
#   * diff = post - pre; every paired function is called as f(post, pre, ...)
#   * every key that holds a CI is a 2-element array [lower, upper], 95 %
#   * "function" / "options" strings in the JSON repeat what is written in the
#     comments here, so a test failure message can point at the R call.
#   * warnings raised by a call are captured and stored next to the value
#     (key "warnings"), never silently dropped.

suppressPackageStartupMessages({
  library(jsonlite)
  library(psych)
  library(effectsize)
  library(lme4)
  library(GPArotation)  # used by psych::omega; loaded here so its load message is not captured
  library(lmerTest)
  library(nlme)
  library(BayesFactor)
})

args_all <- commandArgs(trailingOnly = FALSE)
file_arg <- sub("^--file=", "", args_all[grepl("^--file=", args_all)])
here <- if (length(file_arg)) dirname(normalizePath(file_arg)) else getwd()
rd <- function(name) read.csv(file.path(here, name), stringsAsFactors = FALSE)

# Run expr, return list(value = ..., warnings = character()) without losing warnings.
with_warnings <- function(expr) {
  w <- character()
  value <- withCallingHandlers(expr, warning = function(cond) {
    w <<- c(w, conditionMessage(cond))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = as.list(w))  # as.list -> always a JSON array
}
# Also swallow printed output and record message()s (psych::omega reports
# "Omega_h for 1 factor is not meaningful" as a message, not a warning).
quietly <- function(expr) {
  out <- NULL
  msgs <- character()
  capture.output(out <- withCallingHandlers(with_warnings(expr), message = function(cond) {
    msgs <<- c(msgs, trimws(conditionMessage(cond)))
    invokeRestart("muffleMessage")
  }))
  out$messages <- as.list(msgs)
  out
}

# Hedges' small-sample correction factors, all as functions of df.
# J_exact is the gamma-function form used by effectsize (hedges_g, and the
# adjust=TRUE branch of repeated_measures_d in effectsize >= 0.8.5):
#   J(df) = Gamma(df/2) / (sqrt(df/2) * Gamma((df-1)/2))
J_exact <- function(df) exp(lgamma(df / 2) - log(sqrt(df / 2)) - lgamma((df - 1) / 2))
# Hedges & Olkin (1985) approximation: 1 - 3 / (4 df - 1)
J_approx <- function(df) 1 - 3 / (4 * df - 1)

# Non-central-t CI for a t statistic, solved with uniroot to tight tolerance
# (effectsize 0.8.3 uses optim() with abstol 1e-9 on the probability scale,
# which is only good to ~1e-5 on the d scale; this is the "exact" version).
ncp_ci <- function(t, df, level = 0.95) {
  a <- (1 - level) / 2
  f_lo <- function(ncp) pt(t, df, ncp) - (1 - a)   # lower limit: P(T <= t | ncp) = 0.975
  f_hi <- function(ncp) pt(t, df, ncp) - a         # upper limit: P(T <= t | ncp) = 0.025
  # the limits lie within t -/+ ~1.96 sqrt(1 + t^2/(2 df)); bracket generously
  # but not so wide that pt() loses precision for huge ncp
  h <- 4 * sqrt(1 + t^2 / (2 * df)) + 1
  lo <- uniroot(f_lo, c(t - h, t), tol = 1e-13)$root
  hi <- uniroot(f_hi, c(t, t + h), tol = 1e-13)$root
  c(lo, hi)
}

# ---------------------------------------------------------------------------
# Paired two-wave analyses
# ---------------------------------------------------------------------------
paired_block <- function(df, name) {
  pre <- as.numeric(df$pre)
  post <- as.numeric(df$post)
  n <- length(pre)
  diff_raw <- post - pre
  # Step-grid data (paired_ties): post - pre in floating point does not give
  # bit-identical values for equal differences (e.g. 3.6-3.4 != 2.8-2.6), which
  # would silently break ties in rank(). We therefore round the differences to
  # 10 decimals before any rank-based computation and run the rank tests on the
  # differences (one-sample form, identical to paired=TRUE on post, pre).
  diff <- round(diff_raw, 10)
  res <- list()
  res$file <- name
  res$n <- n
  res$n_nonzero_diff <- sum(diff != 0)
  res$n_zero_diff <- sum(diff == 0)
  res$has_ties_in_abs_nonzero_diff <- any(duplicated(abs(diff[diff != 0])))
  res$diff_rounding <- "diff = round(post - pre, 10) for all rank-based statistics"

  # Descriptives: mean(), sd() (n-1 denominator), cor() Pearson
  res$mean_pre <- mean(pre)
  res$sd_pre <- sd(pre)
  res$mean_post <- mean(post)
  res$sd_post <- sd(post)
  res$mean_diff <- mean(diff_raw)
  res$sd_diff <- sd(diff_raw)
  res$cor_pre_post <- cor(pre, post)

  # t.test(post, pre, paired = TRUE)  (two-sided, conf.level = 0.95)
  tt <- t.test(post, pre, paired = TRUE)
  res$t_test <- list(
    `function` = "stats::t.test(post, pre, paired = TRUE)",
    t = unname(tt$statistic), df = unname(tt$parameter), p = tt$p.value,
    conf_int = as.numeric(tt$conf.int), estimate = unname(tt$estimate),
    se = unname(tt$stderr)
  )

  # wilcox.test(diff) == wilcox.test(post, pre, paired = TRUE); zeros dropped
  # (R's only zero method = Wilcoxon's), mid-ranks for ties, normal
  # approximation with tie-corrected variance.
  # (a) exact = FALSE, correct = TRUE  (normal approx. with continuity correction)
  w1 <- with_warnings(wilcox.test(diff, mu = 0, exact = FALSE, correct = TRUE))
  # (b) exact = FALSE, correct = FALSE (normal approx., no continuity correction)
  w2 <- with_warnings(wilcox.test(diff, mu = 0, exact = FALSE, correct = FALSE))
  # (c) R defaults (exact = NULL, correct = TRUE): R uses the exact
  #     distribution iff n_nonzero < 50 and there are no ties and no zeros;
  #     otherwise falls back to (a) with a warning.
  w3 <- with_warnings(wilcox.test(diff, mu = 0))
  exact_used <- (res$n_nonzero_diff < 50) && !res$has_ties_in_abs_nonzero_diff &&
    res$n_zero_diff == 0
  res$wilcoxon <- list(
    `function` = "stats::wilcox.test(post, pre, paired = TRUE) (computed as wilcox.test(diff))",
    statistic_name = "V = sum of positive signed ranks (zeros dropped, mid-ranks)",
    normal_cc = list(options = "exact = FALSE, correct = TRUE",
                     V = unname(w1$value$statistic), p = w1$value$p.value,
                     warnings = w1$warnings),
    normal_nocc = list(options = "exact = FALSE, correct = FALSE",
                       V = unname(w2$value$statistic), p = w2$value$p.value,
                       warnings = w2$warnings),
    default = list(options = "exact = NULL (R default), correct = TRUE",
                   V = unname(w3$value$statistic), p = w3$value$p.value,
                   method = w3$value$method,
                   exact_used = exact_used,
                   warnings = w3$warnings)
  )
  # sanity: the raw (unrounded) float differences give the same V?
  w_raw <- suppressWarnings(wilcox.test(post, pre, paired = TRUE, exact = FALSE))
  res$wilcoxon$raw_float_diff_same_as_rounded <-
    isTRUE(all.equal(unname(w_raw$statistic), unname(w1$value$statistic))) &&
    isTRUE(all.equal(w_raw$p.value, w1$value$p.value))
  if (!res$wilcoxon$raw_float_diff_same_as_rounded) {
    # Informational only -- NOT the reference: what wilcox.test(post, pre,
    # paired = TRUE, exact = FALSE) gives when float noise breaks ties.
    res$wilcoxon$raw_float_diff_DO_NOT_MATCH <- list(
      note = "unrounded post - pre: floating-point noise splits tied |diff| values into distinct ranks",
      V = unname(w_raw$statistic), p = w_raw$p.value)
  }

  # effectsize::rank_biserial(diff)  (== rank_biserial(post, pre, paired = TRUE))
  # r = (sum R+ - sum R-) / (n_nz (n_nz + 1) / 2), zeros dropped;
  # CI: tanh(atanh(r) +/- qnorm(.975) * SE), SE = sqrt((2n^3+3n^2+n)/6) / ((n^2+n)/2),
  # with n = number of non-zero differences.
  rb <- with_warnings(effectsize::rank_biserial(diff, mu = 0, ci = 0.95))
  res$rank_biserial <- list(
    `function` = sprintf("effectsize::rank_biserial(post, pre, paired = TRUE) [effectsize %s] (computed on diff)",
                         packageVersion("effectsize")),
    ci_method = "Fisher z (atanh), normal, SE = sqrt((2n^3+3n^2+n)/6)/((n^2+n)/2), n = non-zero diffs",
    r = rb$value$r_rank_biserial,
    ci = c(rb$value$CI_low, rb$value$CI_high),
    warnings = rb$warnings
  )

  # d_z = mean_diff / sd_diff.
  # effectsize 0.8.3 has no repeated_measures_d(); we use
  # effectsize::cohens_d(post, pre, paired = TRUE): CI from the non-central t
  # (ncp CI of t = mean_diff / (sd_diff / sqrt(n)), df = n - 1, divided by sqrt(n)),
  # solved by optim() inside effectsize (approx.). ncp_uniroot is the same
  # interval solved to ~1e-13 with uniroot.
  cd <- with_warnings(effectsize::cohens_d(post, pre, paired = TRUE, ci = 0.95))
  hg <- with_warnings(effectsize::hedges_g(post, pre, paired = TRUE, ci = 0.95))
  d_z <- res$mean_diff / res$sd_diff
  t_stat <- unname(tt$statistic)
  ncp <- ncp_ci(t_stat, n - 1)
  # Normal-approximation CI as in effectsize >= 0.8.5
  # repeated_measures_d(method = "z"): se = sqrt(1/n + d^2/(2n)) (Hedges & Olkin 1985),
  # CI = d +/- qnorm(.975) * se; adjust = TRUE (its default) multiplies d and CI by J_exact(n-1).
  # (Re-implemented here because the installed effectsize lacks the function.)
  se_z <- sqrt(1 / n + d_z^2 / (2 * n))
  ci_z_norm <- d_z + c(-1, 1) * qnorm(0.975) * se_z
  res$d_z <- list(
    `function` = sprintf("effectsize::cohens_d(post, pre, paired = TRUE) [effectsize %s; repeated_measures_d() not available]",
                         packageVersion("effectsize")),
    d = d_z,
    d_effectsize = cd$value$Cohens_d,
    ci_effectsize = c(cd$value$CI_low, cd$value$CI_high),
    ci_effectsize_method = "non-central t (effectsize:::.get_ncp_t via optim, approx ~1e-5), limits / sqrt(n)",
    ci_ncp_uniroot = ncp / sqrt(n),
    ci_ncp_uniroot_method = "non-central t limits for t, df = n - 1, solved by uniroot(tol = 1e-13), divided by sqrt(n)",
    warnings = cd$warnings,
    g_z_effectsize = hg$value$Hedges_g,
    g_z_ci_effectsize = c(hg$value$CI_low, hg$value$CI_high),
    g_z_function = "effectsize::hedges_g(post, pre, paired = TRUE): g = d_z * J_exact(n - 1), CI = ncp CI * J_exact(n - 1)",
    normal_ci = list(
      method = "repeated_measures_d(method='z') in effectsize >= 0.8.5, re-implemented: se = sqrt(1/n + d^2/(2n)), CI = d +/- qnorm(.975) se",
      se = se_z,
      ci_unadjusted = ci_z_norm,
      g = d_z * J_exact(n - 1),
      ci_adjusted = ci_z_norm * J_exact(n - 1)
    )
  )

  # d_av (Cumming 2012 / Lakens 2013): mean_diff / ((sd_pre + sd_post) / 2);
  # g_av = d_av * J.  Not available in installed effectsize, computed directly.
  # Different correction factors in use (all recorded, df_paired = n - 1):
  #   J_exact(n - 1)   effectsize convention (hedges_g / repeated_measures_d adjust=TRUE)
  #   J_approx(n - 1)  1 - 3/(4(n-1) - 1)
  #   J_approx(2n - 2) 1 - 3/(4(n1+n2) - 9) with n1 = n2 = n (Lakens 2013, eq. 4)
  s_av <- (res$sd_pre + res$sd_post) / 2
  d_av <- res$mean_diff / s_av
  # Algina & Keselman (2003)-style normal CI: se = (sd_diff / sqrt(n)) / s_av
  se_av <- (res$sd_diff / sqrt(n)) / s_av
  res$d_av <- list(
    `function` = "computed directly (effectsize::repeated_measures_d not in installed effectsize)",
    formula = "d_av = mean_diff / ((sd_pre + sd_post) / 2)",
    d = d_av,
    standardizer = s_av,
    J_exact_df_n_minus_1 = J_exact(n - 1),
    J_approx_df_n_minus_1 = J_approx(n - 1),
    J_approx_df_2n_minus_2 = J_approx(2 * n - 2),
    g_exact_df_n_minus_1 = d_av * J_exact(n - 1),
    g_approx_df_n_minus_1 = d_av * J_approx(n - 1),
    g_approx_df_2n_minus_2 = d_av * J_approx(2 * n - 2),
    J_formula_exact = "exp(lgamma(df/2) - log(sqrt(df/2)) - lgamma((df-1)/2))",
    J_formula_approx = "1 - 3/(4*df - 1)",
    normal_ci = list(
      method = "se = (sd_diff/sqrt(n)) / s_av (Algina & Keselman 2003), CI = d +/- qnorm(.975) se",
      se = se_av,
      ci_unadjusted = d_av + c(-1, 1) * qnorm(0.975) * se_av,
      ci_adjusted_J_exact = (d_av + c(-1, 1) * qnorm(0.975) * se_av) * J_exact(n - 1)
    )
  )
  # effectsize >= 0.8.5 repeated_measures_d(method = "av") uses a different
  # standardizer: sqrt((var_pre + var_post) / 2) (root mean variance), with
  # se = sqrt(var(diff)/n) / s and, adjust = TRUE by default, d and CI * J_exact(n-1).
  s_rms <- sqrt((var(pre) + var(post)) / 2)
  d_rms <- res$mean_diff / s_rms
  se_rms <- sqrt(var(diff_raw) / n) / s_rms
  ci_rms <- d_rms + c(-1, 1) * qnorm(0.975) * se_rms
  res$d_av_rms <- list(
    `function` = "re-implementation of effectsize >= 0.8.5 repeated_measures_d(post, pre, method = 'av')",
    formula = "d = mean_diff / sqrt((var_pre + var_post)/2); se = sqrt(var(diff)/n)/s; CI normal",
    d = d_rms,
    standardizer = s_rms,
    se = se_rms,
    ci_unadjusted = ci_rms,
    g_adjusted = d_rms * J_exact(n - 1),
    ci_adjusted = ci_rms * J_exact(n - 1)
  )

  # shapiro.test(diff)
  sw <- shapiro.test(diff_raw)
  res$shapiro <- list(`function` = "stats::shapiro.test(post - pre)",
                      W = unname(sw$statistic), p = sw$p.value)
  res
}

# ---------------------------------------------------------------------------
# Scale reliability
# ---------------------------------------------------------------------------
items_block <- function(df, name) {
  x <- as.data.frame(lapply(df, as.numeric))
  res <- list(file = name, n_rows = nrow(x), n_items = ncol(x),
              n_missing_cells = sum(is.na(x)),
              n_complete_rows = sum(complete.cases(x)))

  # psych::alpha(x) defaults: use = "pairwise" covariance matrix
  # (cov(x, use = "pairwise")), na.rm = TRUE, check.keys = FALSE, n.iter = 1.
  # raw_alpha = k/(k-1) (1 - tr(C)/sum(C)) on that pairwise matrix.
  # Feldt CI: psych::alpha.ci(raw_alpha, n.obs = nrow(x), n.var = k), i.e.
  #   1 - (1 - alpha) * qf(c(.975, .025), n - 1, (n - 1)(k - 1))  with n = ALL rows.
  # Duhachek CI: raw_alpha -/+ 1.96 * ase (literal 1.96, as printed by psych),
  #   ase = sqrt(Q / n), n = ALL rows (psych 'ase').
  # r.drop: corrected item-total correlation from the pairwise covariance matrix:
  #   (sum(C[, i]) - C[i, i]) / sqrt(C[i, i] * sum(C[-i, -i])).
  a <- with_warnings(psych::alpha(x))
  al <- a$value
  tot <- al$total
  res$alpha <- list(
    `function` = sprintf("psych::alpha(items) [psych %s], defaults (use = 'pairwise', na.rm = TRUE, check.keys = FALSE)",
                         packageVersion("psych")),
    missing_handling = "pairwise-complete covariance matrix (cov(x, use = 'pairwise')); Feldt/Duhachek use n = all rows",
    raw_alpha = tot$raw_alpha,
    std_alpha = tot$std.alpha,
    average_r = tot$average_r,
    ase = tot$ase,
    total_mean = tot$mean,
    total_sd = tot$sd,
    feldt_ci = unname(c(al$feldt$lower.ci, al$feldt$upper.ci)),
    feldt_ci_source = "psych alpha()$feldt (psych::alpha.ci): lower.ci / upper.ci",
    duhachek_ci = c(tot$raw_alpha - 1.96 * tot$ase, tot$raw_alpha + 1.96 * tot$ase),
    duhachek_ci_source = "raw_alpha -/+ 1.96 * alpha()$total$ase (as in psych print.psych 'Duhachek')",
    duhachek_ci_qnorm = c(tot$raw_alpha - qnorm(0.975) * tot$ase,
                          tot$raw_alpha + qnorm(0.975) * tot$ase),
    alpha_if_dropped = setNames(as.list(al$alpha.drop$raw_alpha), rownames(al$alpha.drop)),
    r_drop = setNames(as.list(al$item.stats$r.drop), sub("-$", "", rownames(al$item.stats))),
    item_n = setNames(as.list(al$item.stats$n), rownames(al$item.stats)),
    warnings = a$warnings
  )
  if (res$n_missing_cells > 0) {
    # Listwise (complete-case) alternative, for implementations that drop rows.
    xc <- x[complete.cases(x), ]
    ac <- with_warnings(psych::alpha(xc))
    res$alpha_listwise <- list(
      `function` = "psych::alpha(na.omit(items))",
      n = nrow(xc),
      raw_alpha = ac$value$total$raw_alpha,
      std_alpha = ac$value$total$std.alpha,
      feldt_ci = unname(c(ac$value$feldt$lower.ci, ac$value$feldt$upper.ci)),
      duhachek_ci = c(ac$value$total$raw_alpha - 1.96 * ac$value$total$ase,
                      ac$value$total$raw_alpha + 1.96 * ac$value$total$ase),
      r_drop = setNames(as.list(ac$value$item.stats$r.drop), rownames(ac$value$item.stats)),
      warnings = ac$warnings
    )
  }

  # psych::omega(items, nfactors = 1): fm = "minres" on the Pearson correlation
  # matrix (pairwise-complete for missing data), plot = FALSE.
  # For 1 factor psych warns that omega_h is not meaningful. With one factor:
  #   omega.tot = 1 - sum(1 - lambda^2) / sum(R)    (R = observed correlation matrix)
  #   omega_h   = (sum lambda)^2 / sum(R)
  # (checked below). Note: omega's R is cor(x, use = "pairwise"), whereas
  # alpha()'s std.alpha uses cov2cor(cov(x, use = "pairwise")); with missing
  # data these differ, hence alpha_reported != alpha$std_alpha for items_missing.
  om <- quietly(psych::omega(x, nfactors = 1, plot = FALSE))
  o <- om$value
  g <- as.numeric(o$schmid$sl[, 1])  # general-factor loadings (the only factor)
  R <- cor(x, use = "pairwise")
  res$omega <- list(
    `function` = "psych::omega(items, nfactors = 1, plot = FALSE) (fm = 'minres', Pearson r, pairwise)",
    omega_tot = o$omega.tot,
    omega_h = o$omega_h,
    alpha_reported = o$alpha,
    loadings = setNames(as.list(g), colnames(x)),
    omega_tot_check = 1 - sum(1 - g^2) / sum(R),
    omega_tot_check_formula = "1 - sum(1 - lambda^2) / sum(R), lambda = minres loadings, R = cor(x, use = 'pairwise')",
    omega_h_check = (sum(g))^2 / sum(R),
    omega_h_check_formula = "(sum lambda)^2 / sum(R)",
    warnings = om$warnings,
    messages = om$messages
  )
  # 1-factor omega from the fitted model only (McDonald): (sum l)^2 / ((sum l)^2 + sum(1 - l^2))
  res$omega$omega_model_implied <- sum(g)^2 / (sum(g)^2 + sum(1 - g^2))
  res
}

# ---------------------------------------------------------------------------
# Linear mixed model
# ---------------------------------------------------------------------------
long_block <- function(df, name) {
  wave_levels <- c("kickoff", "milestone-1", "milestone-2", "final")
  df$wave <- factor(df$wave, levels = wave_levels)
  df$participant <- factor(df$participant)
  df$score <- as.numeric(df$score)
  df <- df[!is.na(df$score), ]
  # lme4::lmer(score ~ wave + (1 | participant), REML = TRUE), default
  # treatment contrasts (reference = kickoff), default optimizer (nloptwrap/bobyqa).
  fit_w <- with_warnings(lmer(score ~ wave + (1 | participant), data = df, REML = TRUE))
  fit <- fit_w$value
  fe <- fixef(fit)
  V <- as.matrix(vcov(fit))
  vc <- as.data.frame(VarCorr(fit))
  # Estimated mean per wave = L %*% beta, L = contrast vector; SE = sqrt(L V L');
  # Wald CI = est +/- qnorm(0.975) * SE.
  L <- rbind(kickoff = c(1, 0, 0, 0),
             `milestone-1` = c(1, 1, 0, 0),
             `milestone-2` = c(1, 0, 1, 0),
             final = c(1, 0, 0, 1))
  est <- as.numeric(L %*% fe)
  se <- sqrt(diag(L %*% V %*% t(L)))
  z <- qnorm(0.975)
  wave_means <- lapply(seq_len(nrow(L)), function(i) list(
    estimate = est[i], se = se[i], ci = c(est[i] - z * se[i], est[i] + z * se[i])))
  names(wave_means) <- rownames(L)
  # contrast final vs kickoff (the coefficient), and final vs milestone-2
  l_fm2 <- c(0, 0, -1, 1)
  res <- list(
    file = name,
    `function` = "lme4::lmer(score ~ wave + (1 | participant), data, REML = TRUE); wave levels kickoff, milestone-1, milestone-2, final (treatment contrasts)",
    n_obs = nobs(fit),
    n_groups = unname(ngrps(fit)["participant"]),
    n_obs_per_wave = as.list(table(df$wave)),
    fixed_effects = list(
      names = names(fe),
      estimate = setNames(as.list(unname(fe)), names(fe)),
      se = setNames(as.list(unname(sqrt(diag(V)))), names(fe))
    ),
    vcov = unname(V),
    random_intercept_variance = vc$vcov[vc$grp == "participant"],
    residual_variance = vc$vcov[vc$grp == "Residual"],
    random_intercept_sd = vc$sdcor[vc$grp == "participant"],
    residual_sd = vc$sdcor[vc$grp == "Residual"],
    icc = vc$vcov[vc$grp == "participant"] / sum(vc$vcov),
    wave_means = wave_means,
    wave_means_method = "L %*% fixef, SE = sqrt(diag(L vcov L')), Wald CI with qnorm(0.975)",
    contrast_final_minus_milestone2 = list(
      estimate = sum(l_fm2 * fe), se = sqrt(drop(t(l_fm2) %*% V %*% l_fm2))),
    reml_criterion = unname(REMLcrit(fit)),
    logLik_reml = as.numeric(logLik(fit)),
    warnings = fit_w$warnings,
    optimizer_messages = fit@optinfo$conv$lme4$messages
  )
  res
}

# ---------------------------------------------------------------------------
# Degenerate paired data: constant or nearly constant differences, too few pairs,
# and groups of two with a large t (df = 1). Each case is built from literals by
# arithmetic that IEEE doubles give identically in R and Python, so the test builds
# the same vectors (tests/test_change.py, DEGENERATE). Errors are recorded as text.
# ---------------------------------------------------------------------------
try_value <- function(expr) {
  tryCatch(with_warnings(expr), error = function(e) list(error = conditionMessage(e)))
}

degenerate_block <- function(pre, post, recipe) {
  n <- length(pre)
  diff <- post - pre
  # stats::t.test(post, pre, paired = TRUE): stops with "data are essentially constant"
  # when stderr < 10 * .Machine$double.eps * |mean(diff)|.
  tt <- try_value(t.test(post, pre, paired = TRUE))
  t_test <- if (!is.null(tt$error)) list(error = tt$error) else list(
    t = unname(tt$value$statistic), df = unname(tt$value$parameter), p = tt$value$p.value,
    conf_int = as.numeric(tt$value$conf.int), warnings = tt$warnings)
  # ncp_ci (uniroot, as for paired_block) where t.test gives a finite t
  ncp <- if (!is.null(t_test$t) && is.finite(t_test$t)) {
    nc <- with_warnings(ncp_ci(t_test$t, n - 1))
    list(ci_ncp_uniroot = nc$value / sqrt(n), warnings = nc$warnings)
  } else NULL
  # effectsize::cohens_d(post, pre, paired = TRUE): fails ("non-finite value supplied by
  # optim") on constant differences; on nearly constant ones it returns d ~ 1e14.
  cd <- try_value(effectsize::cohens_d(post, pre, paired = TRUE, ci = 0.95))
  cohens_d <- if (!is.null(cd$error)) list(error = cd$error) else list(
    d = cd$value$Cohens_d, ci = c(cd$value$CI_low, cd$value$CI_high), warnings = cd$warnings)
  # stats::shapiro.test(diff): stops on identical values, needs n >= 3
  sw <- try_value(shapiro.test(diff))
  shapiro <- if (!is.null(sw$error)) list(error = sw$error) else list(
    W = unname(sw$value$statistic), p = sw$value$p.value)
  list(
    recipe = recipe, n = n, diff = diff, sd_diff = if (n > 1) sd(diff) else NA,
    t_test = t_test, d_z = ncp, cohens_d = cohens_d, shapiro = shapiro
  )
}

degenerate_cases <- function() {
  near <- c(0.1, 0.7, 1.3, 2.9, 3.3) * 3.7
  list(
    function_t_test = "stats::t.test(post, pre, paired = TRUE)",
    function_cohens_d = sprintf("effectsize::cohens_d(post, pre, paired = TRUE) [effectsize %s]",
                                packageVersion("effectsize")),
    function_shapiro = "stats::shapiro.test(post - pre)",
    constant = degenerate_block(c(1, 2, 3, 4, 5), c(3, 4, 5, 6, 7),
                                "pre = c(1, 2, 3, 4, 5); post = pre + 2"),
    no_change = degenerate_block(c(1, 2, 3, 4, 5), c(1, 2, 3, 4, 5),
                                 "pre = c(1, 2, 3, 4, 5); post = pre"),
    constant_n2 = degenerate_block(c(1, 2), c(3, 4), "pre = c(1, 2); post = pre + 2"),
    near_constant = degenerate_block(near, near + 0.3,
                                     "pre = c(0.1, 0.7, 1.3, 2.9, 3.3) * 3.7; post = pre + 0.3"),
    near_constant_n2 = degenerate_block(c(2.2, 3.4), c(2.2, 3.4) + 0.7,
                                        "pre = c(2.2, 3.4); post = pre + 0.7"),
    # rounding noise ~1e-15 on scores of ~25 is above t.test's 10 eps |mean| bound for a
    # mean difference of 0.1: R reports a t of ~1e14 here
    near_constant_large_scores = degenerate_block(c(76, 44) / 3, c(76, 44) / 3 + 0.1,
                                                  "pre = c(76, 44) / 3; post = pre + 0.1"),
    one_pair = degenerate_block(1, 3, "pre = 1; post = 3"),
    # groups of two with a large t (tandems of the 1,000-participant demo, seed 1)
    two_pairs_t23 = degenerate_block(c(70 / 3, 23), c(27, 27),
                                     "pre = c(70 / 3, 23); post = c(27, 27)"),
    two_pairs_t28 = degenerate_block(c(24, 26), c(260 / 9, 31.25),
                                     "pre = c(24, 26); post = c(260 / 9, 31.25)"),
    two_pairs_t43 = degenerate_block(c(31, 32), c(100 / 3, 310 / 9),
                                     "pre = c(31, 32); post = c(100 / 3, 310 / 9)"),
    two_pairs_t107 = degenerate_block(c(23, 27), c(260 / 9, 33),
                                      "pre = c(23, 27); post = c(260 / 9, 33)")
  )
}

# ---------------------------------------------------------------------------
# Beyond the paired test: d_rm, TOST with +/- a bound, the JZS Bayes factor and the
# shares reaching a minimal important change, on the paired fixtures.
# ---------------------------------------------------------------------------
# d_rm as effectsize >= 0.8.5 .paired_d(method = "rm") (not in the installed 0.8.3),
# re-implemented: s = sd(diff) / sqrt(2 (1 - r)), d = mean(diff) / s,
# se = sqrt((1/n + d^2/(2n)) * 2 (1 - r)) (Cooper et al. 2009, eq. 12.21), normal CI.
# Lakens (2013, eq. 9) writes the same s as sqrt(sd1^2 + sd2^2 - 2 r sd1 sd2) / sqrt(2 (1 - r)).
d_rm_block <- function(pre, post) {
  n <- length(pre)
  r <- cor(pre, post)
  f <- 2 * (1 - r)
  s <- sd(post - pre) / sqrt(f)
  d <- mean(post - pre) / s
  se <- sqrt((1 / n + d^2 / (2 * n)) * f)
  s_lakens <- sqrt(var(pre) + var(post) - 2 * r * sd(pre) * sd(post)) / sqrt(f)
  list(`function` = "re-implementation of effectsize >= 0.8.5 repeated_measures_d(post, pre, method = 'rm', adjust = FALSE)",
       r_pre_post = r, d_rm = d, se = se, ci = d + c(-1, 1) * qnorm(0.975) * se,
       d_rm_lakens_eq9 = mean(post - pre) / s_lakens,
       g_rm = d * J_exact(n - 1))
}

# TOST: two one-sided stats::t.test calls (TOSTER is not packaged for Debian 12).
tost_block <- function(pre, post, bound) {
  lower <- t.test(post, pre, paired = TRUE, mu = -bound, alternative = "greater")
  upper <- t.test(post, pre, paired = TRUE, mu = bound, alternative = "less")
  ci90 <- t.test(post, pre, paired = TRUE, conf.level = 0.90)$conf.int
  list(`function` = "stats::t.test(post, pre, paired = TRUE, mu = -bound, alternative = 'greater') and (mu = bound, alternative = 'less'); 90% CI: conf.level = 0.90",
       bound = bound,
       t_lower = unname(lower$statistic), p_lower = lower$p.value,
       t_upper = unname(upper$statistic), p_upper = upper$p.value,
       p_tost = max(lower$p.value, upper$p.value),
       ci90 = as.numeric(ci90))
}

bf_block <- function(pre, post) {
  bf <- BayesFactor::ttestBF(x = post, y = pre, paired = TRUE, rscale = "medium")
  e <- BayesFactor::extractBF(bf)
  # the same from t and n alone
  tt <- t.test(post, pre, paired = TRUE)
  bf_t <- BayesFactor::ttest.tstat(t = unname(tt$statistic), n1 = length(pre), rscale = "medium",
                                   simple = TRUE)
  list(`function` = sprintf("BayesFactor::ttestBF(x = post, y = pre, paired = TRUE, rscale = 'medium') [BayesFactor %s]",
                            packageVersion("BayesFactor")),
       bf10 = e$bf, error = e$error, rscale = sqrt(2) / 2,
       bf10_from_t = unname(bf_t), t = unname(tt$statistic), n = length(pre))
}

# Wilson score CI: prop.test(x, n, correct = FALSE)$conf.int
mic_block <- function(pre, post, mic) {
  d <- round(post - pre, 10)
  n <- length(d)
  up <- sum(d >= mic)
  down <- sum(d <= -mic)
  w <- function(k) as.numeric(suppressWarnings(prop.test(k, n, correct = FALSE))$conf.int)
  list(`function` = "counts of round(post - pre, 10) >= mic and <= -mic; stats::prop.test(k, n, correct = FALSE)$conf.int (Wilson)",
       mic = mic, n = n, n_improved = up, improved_ci = w(up),
       n_deteriorated = down, deteriorated_ci = w(down))
}

beyond_block <- function(df, bound) {
  pre <- as.numeric(df$pre)
  post <- as.numeric(df$post)
  list(d_rm = d_rm_block(pre, post), tost = tost_block(pre, post, bound),
       bayes_factor = bf_block(pre, post), mic = mic_block(pre, post, bound))
}

# Then-test on one sample: the participants with pre, post and then (complete cases).
then_block <- function(df) {
  x <- df[complete.cases(df[, c("pre", "post", "then")]), ]
  one <- function(a, b) {
    tt <- t.test(b, a, paired = TRUE)
    list(n = nrow(x), mean_diff = mean(b - a), t = unname(tt$statistic), p = tt$p.value,
         conf_int = as.numeric(tt$conf.int))
  }
  out <- list(`function` = "complete.cases(pre, post, then); stats::t.test(second, first, paired = TRUE)",
              file = "then.csv", n_rows = nrow(df), n_common = nrow(x),
              pre_post = one(x$pre, x$post), then_post = one(x$then, x$post),
              pre_then = one(x$pre, x$then))
  out$sum_check <- out$then_post$mean_diff + out$pre_then$mean_diff - out$pre_post$mean_diff
  out
}

# Satterthwaite df of the random-intercept model of long.csv (lmerTest).
satterthwaite_block <- function(df) {
  wave_levels <- c("kickoff", "milestone-1", "milestone-2", "final")
  df$wave <- factor(df$wave, levels = wave_levels)
  fit <- lmerTest::lmer(score ~ wave + (1 | participant), data = df, REML = TRUE)
  co <- summary(fit, ddf = "Satterthwaite")$coefficients
  L <- rbind(kickoff = c(1, 0, 0, 0), `milestone-1` = c(1, 1, 0, 0),
             `milestone-2` = c(1, 0, 1, 0), final = c(1, 0, 0, 1))
  means <- lapply(rownames(L), function(w) {
    ct <- lmerTest::contest1D(fit, L[w, ], ddf = "Satterthwaite", confint = TRUE)
    list(estimate = ct$Estimate, se = ct$`Std. Error`, df = ct$df, ci = c(ct$lower, ct$upper))
  })
  names(means) <- rownames(L)
  kr <- lapply(rownames(L)[-1], function(w) {
    l <- c(0, 0, 0, 0); l[match(w, wave_levels)] <- 1
    lmerTest::contest1D(fit, l, ddf = "Kenward-Roger")$df
  })
  list(`function` = "lmerTest::lmer(score ~ wave + (1 | participant), REML = TRUE); summary(ddf = 'Satterthwaite'); contest1D(L, confint = TRUE) for the wave means",
       file = "long.csv",
       coef_df = setNames(as.list(co[, "df"]), rownames(co)),
       coef_p = setNames(as.list(co[, "Pr(>|t|)"]), rownames(co)),
       coef_ci = lapply(setNames(seq_len(nrow(co)), rownames(co)), function(i)
         co[i, "Estimate"] + c(-1, 1) * qt(0.975, co[i, "df"]) * co[i, "Std. Error"]),
       wave_means = means,
       kenward_roger_df = setNames(kr, rownames(L)[-1]),
       kenward_roger_note = "pbkrtest via lmerTest::contest1D(ddf = 'Kenward-Roger'); stored for comparison, not matched")
}

# ---------------------------------------------------------------------------
# Tandems as dyads (dyads.csv): interdependence of change, the model with a tandem level,
# wave x group, and the actor-partner interdependence model (Kenny, Kashy & Cook 2006).
# ---------------------------------------------------------------------------
dyads_block <- function(df) {
  wave_levels <- c("kickoff", "milestone-1", "milestone-2", "final")
  df$wave <- factor(df$wave, levels = wave_levels)
  out <- list(file = "dyads.csv", n_rows = nrow(df))

  # change kick-off -> final per participant; tandems where both partners have one
  wide <- reshape(df[df$wave %in% c("kickoff", "final"), c("participant", "tandem", "role", "wave", "score")],
                  idvar = c("participant", "tandem", "role"), timevar = "wave", direction = "wide")
  wide$change <- wide$score.final - wide$score.kickoff
  ch <- wide[!is.na(wide$change), ]
  both <- names(which(table(ch$tandem) == 2))
  ch <- ch[ch$tandem %in% both, ]
  mentor <- ch[ch$role == "mentor", ]; mentor <- mentor[order(mentor$tandem), ]
  mentee <- ch[ch$role == "mentee", ]; mentee <- mentee[order(mentee$tandem), ]
  ct <- cor.test(mentee$change, mentor$change)
  # indistinguishable: ICC(1) from the one-way ANOVA over tandems, k = 2 members:
  # ICC = (MSB - MSW) / (MSB + MSW); F = MSB / MSW on (n - 1, n) df, two-sided p
  # (Kenny, Kashy & Cook 2006, ch. 2); psych::ICC gives the same ICC1 and its CI.
  a <- anova(lm(change ~ factor(tandem), data = ch))
  msb <- a[1, "Mean Sq"]; msw <- a[2, "Mean Sq"]
  f <- msb / msw
  df1 <- a[1, "Df"]; df2 <- a[2, "Df"]
  p_two <- 2 * min(pf(f, df1, df2, lower.tail = FALSE), pf(f, df1, df2))
  icc_psych <- psych::ICC(cbind(mentee$change, mentor$change))$results
  icc1 <- icc_psych[icc_psych$type == "ICC1", ]
  out$interdependence <- list(
    `function` = "cor.test(mentee change, mentor change) (distinguishable); anova(lm(change ~ tandem)) -> ICC(1) (indistinguishable), psych::ICC ICC1 CI",
    change = "final - kickoff, tandems with both partners' change",
    n_dyads = length(both),
    pearson = list(r = unname(ct$estimate), t = unname(ct$statistic), df = unname(ct$parameter),
                   p = ct$p.value, ci = as.numeric(ct$conf.int)),
    intraclass = list(icc = (msb - msw) / (msb + msw), f = f, df1 = df1, df2 = df2,
                      p = p_two, ci = c(icc1$`lower bound`, icc1$`upper bound`),
                      icc_psych = icc1$ICC, p_psych_one_sided = icc1$p))

  # the change model with a tandem level: participants nested in tandems (REML)
  fit_t <- lmerTest::lmer(score ~ wave + (1 | tandem / participant), data = df, REML = TRUE)
  vc <- as.data.frame(VarCorr(fit_t))
  co <- summary(fit_t)$coefficients
  lme_t <- nlme::lme(score ~ wave, random = ~ 1 | tandem / participant, data = df, method = "REML")
  fit_p <- lmerTest::lmer(score ~ wave + (1 | participant), data = df, REML = TRUE)
  co_p <- summary(fit_p)$coefficients
  out$tandem_model <- list(
    `function` = "lmerTest::lmer(score ~ wave + (1 | tandem/participant), REML = TRUE); summary() Satterthwaite df; nlme::lme(random = ~ 1 | tandem/participant) as a check",
    estimate = setNames(as.list(co[, "Estimate"]), rownames(co)),
    se = setNames(as.list(co[, "Std. Error"]), rownames(co)),
    df = setNames(as.list(co[, "df"]), rownames(co)),
    var_tandem = vc$vcov[vc$grp == "tandem"],
    var_participant = vc$vcov[vc$grp == "participant:tandem"],
    var_residual = vc$vcov[vc$grp == "Residual"],
    lme_estimate = as.list(nlme::fixef(lme_t)),
    lme_var = as.numeric(nlme::VarCorr(lme_t)[c(2, 4, 5), "Variance"]),
    participant_only = list(
      estimate = setNames(as.list(co_p[, "Estimate"]), rownames(co_p)),
      se = setNames(as.list(co_p[, "Std. Error"]), rownames(co_p)),
      df = setNames(as.list(co_p[, "df"]), rownames(co_p))),
    singular = isSingular(fit_t))

  # wave x group (a tandem attribute, site; and a member attribute, role):
  # type III F-test of the interaction, Satterthwaite and Kenward-Roger df
  inter <- function(term) {
    fit <- lmerTest::lmer(as.formula(sprintf("score ~ wave * %s + (1 | participant)", term)),
                          data = df, REML = TRUE)
    s <- anova(fit, type = 3, ddf = "Satterthwaite")
    k <- anova(fit, type = 3, ddf = "Kenward-Roger")
    row <- sprintf("wave:%s", term)
    list(f = s[row, "F value"], df1 = s[row, "NumDF"], df2 = s[row, "DenDF"], p = s[row, "Pr(>F)"],
         kr_f = k[row, "F value"], kr_df2 = k[row, "DenDF"], kr_p = k[row, "Pr(>F)"],
         group_sizes = as.list(table(unique(df[, c("participant", term)])[[term]])))
  }
  out$wave_by_group <- list(
    `function` = "anova(lmerTest::lmer(score ~ wave * group + (1 | participant)), type = 3, ddf = 'Satterthwaite' / 'Kenward-Roger'), row wave:group",
    site = inter("site"), role = inter("role"))

  # APIM, distinguishable dyads, kick-off -> final, tandems complete at both waves:
  # nlme::gls(final ~ 0 + role + role:actor + role:partner,
  #           correlation = corCompSymm(form = ~ 1 | tandem), weights = varIdent(form = ~ 1 | role))
  k <- df[df$wave == "kickoff", c("participant", "tandem", "role", "score")]
  f <- df[df$wave == "final", c("participant", "score")]
  names(k)[4] <- "actor"; names(f)[2] <- "final"
  pw <- merge(k, f, by = "participant")
  complete <- names(which(table(pw$tandem) == 2))
  pw <- pw[pw$tandem %in% complete, ]
  pw$partner <- sapply(seq_len(nrow(pw)), function(i)
    pw$actor[pw$tandem == pw$tandem[i] & pw$participant != pw$participant[i]])
  pw$role <- factor(pw$role)
  pw <- pw[order(pw$tandem, pw$role), ]
  g <- nlme::gls(final ~ 0 + role + role:actor + role:partner, data = pw,
                 correlation = nlme::corCompSymm(form = ~ 1 | tandem),
                 weights = nlme::varIdent(form = ~ 1 | role), method = "REML")
  tt <- summary(g)$tTable
  iv <- nlme::intervals(g, which = "coef")$coef
  sig <- g$sigma * c(1, coef(g$modelStruct$varStruct, unconstrained = FALSE))
  names(sig) <- c(levels(pw$role)[1], levels(pw$role)[2])
  rho <- coef(g$modelStruct$corStruct, unconstrained = FALSE)
  out$apim <- list(
    `function` = "nlme::gls(final ~ 0 + role + role:actor + role:partner, correlation = corCompSymm(form = ~1 | tandem), weights = varIdent(form = ~1 | role), method = 'REML'); intervals()",
    n_dyads = length(complete),
    terms = rownames(tt),
    estimate = setNames(as.list(tt[, "Value"]), rownames(tt)),
    se = setNames(as.list(tt[, "Std.Error"]), rownames(tt)),
    t = setNames(as.list(tt[, "t-value"]), rownames(tt)),
    p = setNames(as.list(tt[, "p-value"]), rownames(tt)),
    ci = lapply(setNames(seq_len(nrow(iv)), rownames(iv)), function(i) unname(iv[i, c("lower", "upper")])),
    df = nrow(pw) - nrow(tt),
    residual_sd = as.list(sig),
    residual_sd_order = "weights: the reference level first (varIdent)",
    residual_correlation = unname(rho))
  out
}

# ---------------------------------------------------------------------------
main <- function() {
  out <- list()
  out$paired <- paired_block(rd("paired.csv"), "paired.csv")
  out$paired_ties <- paired_block(rd("paired_ties.csv"), "paired_ties.csv")
  out$items <- items_block(rd("items.csv"), "items.csv")
  out$items_missing <- items_block(rd("items_missing.csv"), "items_missing.csv")
  out$long <- long_block(rd("long.csv"), "long.csv")
  # No ties, no zeros, n = 12: R's default wilcox.test uses the exact distribution here.
  out$paired_small <- paired_block(rd("paired_small.csv"), "paired_small.csv")

  # Attrition: kick-off scores of those who left before the final wave (leavers) against
  # those with a final score (stayers), long.csv. Welch: t.test(leavers, stayers)
  # (var.equal = FALSE); Hedges' g: effectsize::hedges_g(leavers, stayers) (pooled SD,
  # exact J with df = n1 + n2 - 2).
  long <- rd("long.csv")
  stayed <- unique(long$participant[long$wave == "final"])
  base <- long[long$wave == "kickoff", ]
  leavers <- base$score[!(base$participant %in% stayed)]
  stayers <- base$score[base$participant %in% stayed]
  welch <- t.test(leavers, stayers)
  g <- effectsize::hedges_g(leavers, stayers)
  out$attrition <- list(
    `function` = "stats::t.test(leavers, stayers) (Welch); effectsize::hedges_g(leavers, stayers)",
    file = "long.csv",
    n_stayers = length(stayers), n_leavers = length(leavers),
    mean_stayers = mean(stayers), mean_leavers = mean(leavers),
    t = unname(welch$statistic), df = unname(welch$parameter), p = welch$p.value,
    g = g$Hedges_g
  )

  # p.adjust(p, method = "holm" / "BH" / "bonferroni"), order preserved
  p <- rd("pvalues.csv")$p
  out$pvalues <- list(
    `function` = "stats::p.adjust(p, method = ...)",
    p = p,
    holm = p.adjust(p, "holm"),
    BH = p.adjust(p, "BH"),
    bonferroni = p.adjust(p, "bonferroni")
  )

  # Smallest detectable d_z: power.t.test(n, power = .8, sig.level = .05,
  # type = "paired", sd = 1)$delta (alternative two.sided, strict = FALSE).
  # R's default uniroot tol is .Machine$double.eps^0.25 (~1.2e-4), so the
  # default result is only good to ~1e-4; tol = 1e-12 gives the precise value.
  # strict = TRUE also counts the opposite tail.
  power_one <- function(n) list(
    n = n,
    delta_default_tol = power.t.test(n = n, power = 0.8, sig.level = 0.05,
                                     type = "paired", sd = 1)$delta,
    delta = power.t.test(n = n, power = 0.8, sig.level = 0.05, type = "paired",
                         sd = 1, tol = 1e-12)$delta,
    delta_strict = power.t.test(n = n, power = 0.8, sig.level = 0.05, type = "paired",
                                sd = 1, tol = 1e-12, strict = TRUE)$delta
  )
  out$power <- list(
    `function` = "stats::power.t.test(n = n, power = 0.8, sig.level = 0.05, type = 'paired', sd = 1)$delta",
    note = "delta is in units of sd(diff), i.e. d_z; 'delta' uses tol = 1e-12; non-central t, df = n - 1",
    n40 = power_one(40), n25 = power_one(25), n12 = power_one(12)
  )

  out$degenerate <- degenerate_cases()

  # bounds: a minimal important change on each fixture's scale
  out$beyond <- list(
    paired = beyond_block(rd("paired.csv"), 10),
    paired_ties = beyond_block(rd("paired_ties.csv"), 0.5),
    paired_small = beyond_block(rd("paired_small.csv"), 1.5))
  out$then <- then_block(rd("then.csv"))
  out$satterthwaite <- satterthwaite_block(rd("long.csv"))
  out$dyads <- dyads_block(rd("dyads.csv"))

  pkgs <- c("psych", "effectsize", "lme4", "Matrix", "jsonlite", "GPArotation",
            "lmerTest", "pbkrtest", "nlme", "BayesFactor")
  out$meta <- list(
    generated_by = "tests/reference/make_reference.R",
    R_version = R.version.string,
    platform = R.version$platform,
    packages = setNames(lapply(pkgs, function(p) as.character(packageVersion(p))), pkgs),
    effectsize_has_repeated_measures_d = exists("repeated_measures_d", asNamespace("effectsize")),
    ci_level = 0.95,
    diff_definition = "post - pre"
  )

  writeLines(
    toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null", na = "null"),
    file.path(here, "reference.json")
  )
  cat("wrote", file.path(here, "reference.json"), "\n")
}

main()

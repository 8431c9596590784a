# The Early Warning Project's fully-out-of-sample backtest, in R glmnet, as the speed and
# accuracy reference for Tocsin's `ewp-enet` model (crates/tocsin-risk).
#
# It follows EWP's 3.Modeling/model_3Sep2025.R (2025 Statistical Risk Assessment): for each
# last training year L in 1991..2021, train glmnet (alpha 0.5, lambda.min by 10-fold
# cv.glmnet, set.seed(90035) before each fit) on complete cases with year <= L, predict year
# L+2; onsets in year Y are scored by the better rank (and the higher risk) of the forecasts
# from Y-1 and Y-2. Base R only (no dplyr, no pROC), so Debian's r-base-core and
# r-cran-glmnet are enough. EWP's script also fits a plain glmnet() per window just to plot the
# path; that fit never reaches a forecast, so it is left out here (Tocsin does not do it either).
#
# Usage: Rscript ewp_backtest.R DATA.csv [FORECASTS_OUT.csv]
# Prints one JSON object with the figures and the seconds spent training and predicting.

suppressPackageStartupMessages(library(glmnet))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) < 1) stop("usage: Rscript ewp_backtest.R DATA.csv [FORECASTS_OUT.csv]")
alldata <- read.csv(args[1])

predictors <- c("widetargeting", "narrowtargeting", "v2csgender_binary",
  "v2mecenefm_binary", "partyban.new.0", "partyban.new.1",
  "partyban.new.2", "minorityrule", "judicialreform",
  "religiousfreedom", "pol_killing_approved", "freediscussion",
  "social_inequality", "even_civilrights", "repress_civilsoc",
  "social_power_dist", "ses_power_dist", "popsize.log2",
  "gdppcgrowth", "un_imr_sqrt", "efindex", "discrimpop", "reg.na", "reg.eap",
  "reg.sca", "reg.mna", "reg.eur", "ios.iccpr1", "battledeaths.log2",
  "coup.try.5yr", "mk_ongoing_count_log2", "mean_mk_onset_interaction",
  "mk_onset_prev_year", "newcountry", "mk_ever", "year_sq", "year",
  "countryage.new.log2", "includesnonstate")
outcomes <- c("mk_onset", "mk_onset_1", "mk_onset_2", "mk_onset_1or2")
extras <- c("ewp_name", "ccode", "year")

started <- proc.time()[["elapsed"]]
foos <- list()
for (last in 1991:2021) {
  train <- alldata[alldata$year <= last, unique(c(predictors, outcomes, extras))]
  train <- train[complete.cases(train), ]
  test <- alldata[alldata$year == last + 2, unique(c(predictors, extras, "mk_onset_1or2"))]
  test <- test[complete.cases(test), ]
  set.seed(90035)
  fit <- cv.glmnet(y = train$mk_onset_1or2, x = as.matrix(train[, predictors]),
                   alpha = 0.5, family = "binomial")
  risk <- as.numeric(predict(fit, newx = as.matrix(test[, predictors]),
                             s = "lambda.min", type = "response"))
  foos[[length(foos) + 1]] <- data.frame(ewp_name = test$ewp_name, year = last + 2,
    risk = risk, riskrank = rank(-risk, ties.method = "min"))
}
seconds <- proc.time()[["elapsed"]] - started
foos <- do.call(rbind, foos)

# Onsets in year Y, scored by the forecasts made from Y-1 and Y-2.
years <- (min(foos$year) + 1):(max(foos$year) + 2)
scored <- alldata[alldata$year %in% years, c("year", "ewp_name", "mk_onset")]
key <- function(name, year) paste(name, year)
at <- function(column, year) foos[[column]][match(key(scored$ewp_name, year), key(foos$ewp_name, foos$year))]
risk_prev <- at("risk", scored$year - 1)
rank_prev <- at("riskrank", scored$year - 1)
risk_two <- at("risk", scored$year - 2)
rank_two <- at("riskrank", scored$year - 2)
scored$maxrisk2 <- suppressWarnings(pmax(risk_prev, risk_two, na.rm = TRUE))
scored$minrank2 <- suppressWarnings(pmin(rank_prev, rank_two, na.rm = TRUE))
scored <- scored[!is.na(scored$maxrisk2), ]

onsets <- scored[scored$mk_onset == 1, ]
# AUC as pROC computes it: the Mann-Whitney statistic, ties counting one half.
ranks <- rank(scored$maxrisk2)
npos <- sum(scored$mk_onset == 1)
nneg <- sum(scored$mk_onset == 0)
auc <- (sum(ranks[scored$mk_onset == 1]) - npos * (npos + 1) / 2) / (npos * nneg)
p <- scored$maxrisk2
y <- scored$mk_onset

if (length(args) >= 2) write.csv(scored, args[2], row.names = FALSE)
cat(sprintf(paste0('{"implementation":"R %s glmnet %s","onsets":%d,"caught_10":%d,',
  '"caught_20":%d,"caught_30":%d,"recall_at_30":%.4f,"auc":%.4f,"brier":%.5f,',
  '"log_loss":%.5f,"seconds":%.2f}\n'),
  paste(R.version$major, R.version$minor, sep = "."), packageVersion("glmnet"),
  nrow(onsets), sum(onsets$minrank2 <= 10), sum(onsets$minrank2 <= 20),
  sum(onsets$minrank2 <= 30), mean(onsets$minrank2 <= 30), auc,
  mean((p - y)^2), -mean(y * log(p) + (1 - y) * log(1 - p)), seconds))

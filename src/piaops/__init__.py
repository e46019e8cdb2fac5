"""piaops: run and prove what a 特定個人情報保護評価書 promises."""

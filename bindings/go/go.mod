module libengage.dev/engage

go 1.19

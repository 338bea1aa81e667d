package hub

// RetryWait lets the tests retry unprocessed updates without waiting.
var RetryWait = &retryWait

"""The custody processor: a Faust app that decides every event with the kernel rules, partition by partition."""

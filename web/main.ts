document.title = "srcaco view";

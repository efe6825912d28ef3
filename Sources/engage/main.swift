import Engage

print("engage: placeholder")
